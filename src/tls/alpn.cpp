#include "tls/alpn.hpp"

#include <algorithm>

namespace echo::tls {
namespace {

constexpr std::size_t kMaxNameBytes = 255;  // one length byte

// Calls visit(name) for each entry of a wire-form list until it returns true;
// false if the list is malformed (an empty name, or one running past the end).
template <class Visit>
bool each_name(std::span<const unsigned char> list, Visit visit) {
  while (!list.empty()) {
    const std::size_t length = list[0];
    if (length == 0 || length + 1 > list.size()) return false;
    if (visit(list.subspan(1, length))) return true;
    list = list.subspan(length + 1);
  }
  return true;
}

}  // namespace

std::optional<std::vector<unsigned char>> encode_alpn(const std::vector<std::string>& protocols,
                                                      std::string* error) {
  std::vector<unsigned char> wire;
  for (const std::string& name : protocols) {
    if (name.empty() || name.size() > kMaxNameBytes) {
      *error = "bad ALPN protocol name '" + name + "' (1 to 255 bytes)";
      return std::nullopt;
    }
    wire.push_back(static_cast<unsigned char>(name.size()));
    wire.insert(wire.end(), name.begin(), name.end());
  }
  return wire;
}

std::optional<std::span<const unsigned char>> choose_alpn(std::span<const unsigned char> ours,
                                                          std::span<const unsigned char> offered) {
  std::optional<std::span<const unsigned char>> chosen;
  if (ours.empty()) {
    if (!each_name(offered, [&](std::span<const unsigned char> name) {
          chosen = name;
          return true;
        })) {
      return std::nullopt;
    }
    return chosen;
  }
  bool well_formed = true;
  each_name(ours, [&](std::span<const unsigned char> wanted) {
    well_formed = each_name(offered, [&](std::span<const unsigned char> name) {
      if (std::equal(name.begin(), name.end(), wanted.begin(), wanted.end())) chosen = name;
      return chosen.has_value();
    });
    return !well_formed || chosen.has_value();
  });
  if (!well_formed) return std::nullopt;
  return chosen;
}

}  // namespace echo::tls
