#include "core/units.hpp"

#include <gtest/gtest.h>

namespace echo {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, Units) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("5s"), milliseconds(5000));
  EXPECT_EQ(parse_duration("5"), milliseconds(5000)) << "a bare number means seconds";
  EXPECT_EQ(parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(parse_duration("1h"), milliseconds(3600000));
  EXPECT_EQ(parse_duration("0"), milliseconds(0));
  EXPECT_EQ(parse_duration("off"), milliseconds(0));
}

TEST(ParseDuration, RejectsGarbage) {
  for (const char* bad : {"", "s", "-1s", "5x", "5 s", "1e30s", "nan", "inf"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

TEST(ParseKeepAlive, Forms) {
  auto off = parse_keepalive("off");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->idle.count(), 0);
  auto idle = parse_keepalive("60");
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->idle.count(), 60);
  EXPECT_EQ(idle->count, 0);
  auto full = parse_keepalive("2m,10s,5");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->idle.count(), 120);
  EXPECT_EQ(full->interval.count(), 10);
  EXPECT_EQ(full->count, 5);
}

TEST(ParseKeepAlive, RejectsGarbage) {
  for (const char* bad : {"", "60,10", "60,10,0", "60,10,5,1", "500ms", "x", "60,10,y"}) {
    EXPECT_FALSE(parse_keepalive(bad)) << bad;
  }
}

}  // namespace
}  // namespace echo
