#include "riskscan/group_slots.hpp"

#include <unordered_map>

namespace riskscan {

group_slots make_group_slots(const std::vector<std::int64_t>& groups) {
  std::unordered_map<std::int64_t, std::int64_t> size;
  for (const auto g : groups) ++size[g];
  std::unordered_map<std::int64_t, std::int64_t> slot_of;
  group_slots out;
  out.slot.assign(groups.size(), -1);
  for (std::size_t a = 0; a < groups.size(); ++a) {
    if (size[groups[a]] < 2) continue;
    const auto [it, fresh] = slot_of.try_emplace(groups[a], static_cast<std::int64_t>(slot_of.size()));
    out.slot[a] = it->second;
  }
  out.count = static_cast<std::int64_t>(slot_of.size());
  return out;
}

}  // namespace riskscan
