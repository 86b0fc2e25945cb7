#pragma once
// The checks of a snapshot pack's book once its columns are read (snapshot_pack.cpp): every index
// in range, then every value by the CSV loader's rules (value_rules.hpp). The digest shows that a
// pack is what `pack` wrote from a valid snapshot; a pack whose digest was recomputed after an edit
// would otherwise bring the backends values no snapshot directory can (a NaN price, tiers out of
// order, a position held twice), and there the backends need not agree.
#include <string>

#include "riskscan/book.hpp"
#include "riskscan/error.hpp"

namespace riskscan {

// Adds a problem per bad column to `problems`, named by the pack column ("asset.price_usd: row 1:
// ..."), with the first bad row and how many more there are. Runs on `threads` threads.
void check_pack_book(const book& b, const std::string& file, problem_list& problems, int threads);

}  // namespace riskscan
