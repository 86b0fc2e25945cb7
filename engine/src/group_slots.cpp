#include "riskscan/group_slots.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace riskscan {

namespace {

// Group ids from cover_groups are dense (below groups + accounts): their states go in a vector,
// which for ten million accounts is much faster than a hash map. Other ids fall back to one.
// A group's state: 0, 1 or 2 for the accounts seen in it so far (2: two or more); then, once
// numbered, numbered + its slot. One 32-bit state per id: a count and a slot number of 64 bits
// each took 320 MB of fresh pages at ten million accounts.
template <typename States>
group_slots number_slots(const std::vector<std::int64_t>& groups, States& state) {
  constexpr std::int32_t shared = 2, numbered = 3;
  for (const auto g : groups) state[g] = std::min(state[g] + 1, shared);
  group_slots out;
  out.slot.assign(groups.size(), -1);
  for (std::size_t a = 0; a < groups.size(); ++a) {
    std::int32_t& s = state[groups[a]];
    if (s < shared) continue;
    if (s == shared) s = static_cast<std::int32_t>(numbered + out.count++);
    out.slot[a] = s - numbered;
  }
  return out;
}

}  // namespace

group_slots make_group_slots(const std::vector<std::int64_t>& groups) {
  const auto [lo, hi] = std::minmax_element(groups.begin(), groups.end());
  if (groups.empty() || (*lo >= 0 && static_cast<std::size_t>(*hi) < 4 * groups.size() + 16)) {
    std::vector<std::int32_t> state(groups.empty() ? 0 : static_cast<std::size_t>(*hi) + 1, 0);
    return number_slots(groups, state);
  }
  std::unordered_map<std::int64_t, std::int32_t> state;
  return number_slots(groups, state);
}

}  // namespace riskscan
