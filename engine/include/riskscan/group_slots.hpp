#pragma once
// Cover-N groups as the backends sum them: a group of two or more accounts gets a slot whose
// per-scenario deficit is summed over its members; an account alone in its group is its own
// Cover-N candidate and needs no slot.
#include <cstdint>
#include <vector>

namespace riskscan {

struct group_slots {
  std::vector<std::int64_t> slot;  // [account]: 0 .. count-1, or -1 for an account alone
  std::int64_t count = 0;
};

// Slots numbered in order of each group's first account.
group_slots make_group_slots(const std::vector<std::int64_t>& groups);

}  // namespace riskscan
