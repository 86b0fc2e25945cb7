#pragma once
// Scanning a book in chunks of accounts, for a backend whose memory holds less than the whole
// book (the CUDA device). A chunk's rows are ascending and it never splits a Cover-N group, so
// the chunks' reductions merge into exactly the whole book's:
// - per-account values do not depend on the other accounts;
// - per-scenario sums are integers (fixed point), so they add in any order;
// - a chunk ranks equal deficits by its own row order, which is the book's row order, so the
//   book's top-k is the top-k of the chunks' top-k lists;
// - every group lies in one chunk, so the book's two largest group deficits are among the
//   chunks' two largest.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "riskscan/eval_book.hpp"
#include "riskscan/scan_types.hpp"

namespace riskscan {

// Rows of each chunk, ascending; every account is in exactly one chunk. `bytes(a)` is the
// memory account a needs; consecutive groups (in order of their first account) fill a chunk
// until the next would pass `budget`. A group larger than `budget` gets a chunk of its own,
// so a chunk passes the budget only when a single group does. No accounts: no chunks.
using chunk_rows = std::vector<std::vector<std::int64_t>>;
chunk_rows plan_account_chunks(const std::vector<std::int64_t>& groups,
                               const std::function<std::size_t(std::int64_t)>& bytes, std::size_t budget);

// Scans one chunk: `book` holds the chunk's accounts (row i = chunk row i), `groups` theirs.
using chunk_scanner = std::function<scan_reductions(const eval_book& book, const std::vector<std::int64_t>& groups,
                                                    const scan_config& config)>;

// Runs `scan_chunk` on every chunk and merges the results as described above. A single chunk
// holding every account is scanned in place, without copying the book. Progress is reported
// over all chunks together.
scan_reductions scan_in_chunks(const eval_book& book, const std::vector<std::int64_t>& groups, const chunk_rows& chunks,
                               std::size_t scenario_count, const scan_config& config, const chunk_scanner& scan_chunk);

}  // namespace riskscan
