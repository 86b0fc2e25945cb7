#include "riskscan/group_slots.hpp"

#include <algorithm>
#include <unordered_map>

namespace riskscan {

namespace {

// Group ids from cover_groups are dense (below groups + accounts): count them in a vector, which
// for ten million accounts is much faster than a hash map. Other ids fall back to one.
template <typename Counter>
group_slots number_slots(const std::vector<std::int64_t>& groups, Counter& size, Counter& slot_of) {
  for (const auto g : groups) ++size[g];
  group_slots out;
  out.slot.assign(groups.size(), -1);
  for (std::size_t a = 0; a < groups.size(); ++a) {
    const auto g = groups[a];
    if (size[g] < 2) continue;
    if (slot_of[g] == 0) slot_of[g] = ++out.count;  // 1-based while numbering: 0 means none yet
    out.slot[a] = slot_of[g] - 1;
  }
  return out;
}

}  // namespace

group_slots make_group_slots(const std::vector<std::int64_t>& groups) {
  const auto [lo, hi] = std::minmax_element(groups.begin(), groups.end());
  if (groups.empty() || (*lo >= 0 && static_cast<std::size_t>(*hi) < 4 * groups.size() + 16)) {
    std::vector<std::int64_t> size(groups.empty() ? 0 : static_cast<std::size_t>(*hi) + 1, 0);
    std::vector<std::int64_t> slot_of(size.size(), 0);
    return number_slots(groups, size, slot_of);
  }
  std::unordered_map<std::int64_t, std::int64_t> size, slot_of;
  return number_slots(groups, size, slot_of);
}

}  // namespace riskscan
