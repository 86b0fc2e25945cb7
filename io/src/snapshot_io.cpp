// Loading and validating a snapshot directory (FORMATS.md "Snapshot directory").
//
// What each file holds. Every number's rule (its range, whether a row must give it, what an empty
// cell stores) is declared once, in value_rules.hpp, which the pack check applies too. The rest:
//
// file              column               rule
// ----------------- -------------------- ------------------------------------------------------------
// factors           factor               unique ID
//                   kind                 crypto | stable
// assets            asset                unique ID
//                   factor               a factor; empty = never shocked
// collateral_tiers  asset                an asset; up_to_usd strictly ascending per asset (file order,
// (optional file)                        rows need not be adjacent), inf only in the asset's last row
// margin_tiers      schedule             rows of a schedule need not be adjacent; up_to_usd as above
//                   style                step | marginal, one per schedule
// instruments       instrument           unique ID
//                   kind                 perp | future | option
//                   underlying           a factor
//                   settle               an asset; inverse: its factor = underlying
//                   inverse              0 | 1
//                   mm_schedule          a schedule: perps and futures (checked whenever given)
//                   option_type          C | P: options (checked whenever given)
// accounts          account              unique ID
//                   mode                 cross | portfolio
//                   group                any ID; empty = no group
// balances          account, asset       known; (account, asset) unique
// positions         account, instrument  known; (account, instrument, isolated or not) unique;
//                                        isolated options are refused
//
// Speed: every file is read whole; accounts, balances and positions are cut at line boundaries
// into one slice per thread, each slice parsed into its own rows and problems and merged in file
// order. IDs are looked up in flat hash tables of 8-byte slots (id_index.hpp), with a per-thread
// shortcut for rows of the same or one of the next few accounts; in a shuffled file the account
// lookups go in batches whose cache misses overlap (batched_lookup). Rows are placed in the book
// on every thread, in account order or not (account_rows.hpp). Tables and file bytes ask for huge
// pages (huge_pages.hpp). SHA-256 of the files runs on its own thread meanwhile.
#include "riskscan/snapshot_io.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

#include "riskscan/sha256.hpp"
#include "riskscan/snapshot_pack.hpp"
#include "snapshot_loader.hpp"

namespace riskscan {
namespace {

using namespace snapshot_csv;

// SHA-256 of every file into `digests`; returns early, leaving digests empty, if `stop` is requested.
void hash_files(const std::vector<std::optional<csv::file>>& files, std::vector<std::string>& digests,
                std::stop_token stop) {
  constexpr std::size_t block = std::size_t{1} << 20;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!files[i]) continue;
    const std::string_view bytes = files[i]->bytes();
    sha256 h;
    for (std::size_t pos = 0; pos < bytes.size(); pos += block) {
      if (stop.stop_requested()) return;
      h.update(bytes.data() + pos, std::min(block, bytes.size() - pos));
    }
    digests[i] = h.hex_digest();
  }
}

// Hashes the files on a thread of its own, so the digests cost no wall time beside parsing.
// A jthread's destructor asks it to stop before joining, so it stops early only when the load
// throws; a load that succeeds joins it first, and gets every digest. Where no thread can be
// started (a process or address-space limit), the thread returned is empty and the caller hashes.
std::jthread start_hashing(const std::vector<std::optional<csv::file>>& files, std::vector<std::string>& digests) {
  return try_start_thread([&files, &digests](std::stop_token stop) { hash_files(files, digests, stop); });
}

}  // namespace

loaded_snapshot load_snapshot(const std::filesystem::path& dir, int threads) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec)) return load_snapshot_pack(dir, threads);
  if (!std::filesystem::is_directory(dir, ec)) {
    throw missing_input_error(fmt::format("snapshot directory {} does not exist", dir.string()));
  }
  std::string missing;
  for (const auto& slot : file_slots) {
    if (slot.required && !std::filesystem::exists(dir / slot.name, ec)) {
      missing += (missing.empty() ? "" : ", ") + std::string(slot.name);
    }
  }
  if (!missing.empty())
    throw missing_input_error(fmt::format("snapshot {} lacks required file(s): {}", dir.string(), missing));

  std::vector<std::optional<csv::file>> files(std::size(file_slots));
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto path = dir / file_slots[i].name;
    if (file_slots[i].required || std::filesystem::exists(path, ec)) files[i] = csv::read_file(path);
  }
  std::vector<std::string> digests(files.size());
  loaded_snapshot out;
  {
    std::jthread hasher = start_hashing(files, digests);
    loader load(threads);
    // Dependency order: every table is read after the tables it refers to.
    load.factors(*files[s_factors]);
    load.assets(*files[s_assets]);
    if (files[s_collateral]) load.collateral_tiers(*files[s_collateral]);
    load.margin_tiers(*files[s_margin]);
    load.instruments(*files[s_instruments]);
    load.accounts(*files[s_accounts]);
    load.balances(*files[s_balances]);
    load.positions(*files[s_positions]);
    if (!load.problems.empty()) {
      load.problems.sort();
      throw input_error(std::move(load.problems));
    }
    if (hasher.joinable()) {
      hasher.join();
    } else {
      hash_files(files, digests, {});
    }
    out.data = std::move(load.b);
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (files[i]) out.files.push_back({files[i]->path, std::move(digests[i]), load.rows[i]});
    }
  }
  out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace riskscan
