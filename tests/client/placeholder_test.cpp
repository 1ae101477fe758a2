#include <gtest/gtest.h>
TEST(ClientPlaceholder, Builds) { SUCCEED(); }
