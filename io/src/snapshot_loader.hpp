#pragma once
// Private to the CSV snapshot loader (snapshot_io.cpp, snapshot_tables.cpp, snapshot_accounts.cpp):
// the loader, which reads the files in dependency order into a book and a problem list, and the
// helpers its table readers share.
#include <fmt/core.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "account_rows.hpp"
#include "id_index.hpp"
#include "riskscan/book.hpp"
#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/threads.hpp"
#include "value_rules.hpp"

namespace riskscan::snapshot_csv {

namespace rules = value_rules;

constexpr csv::column req(std::string_view name) { return {name, true}; }
constexpr csv::column opt(std::string_view name) { return {name, false}; }

// ---- IDs ----

// Registers the key of table row `index`, reporting a duplicate. False when the key is missing.
inline bool add_key(csv::row& r, std::size_t c, id_index& ids, std::string_view what, std::int32_t index,
                    std::string_view& id) {
  if (!r.id(c, id)) return false;
  if (const auto first = ids.insert(id, index, r.line())) {
    r.problem(c, fmt::format("duplicate {} '{}' (first on line {})", what, id, first->line));
  }
  return true;
}

inline std::string unknown(std::string_view what, std::string_view id) {
  return fmt::format("unknown {} '{}'", what, csv::printable(id));
}

// Resolves a reference cell through a lookup (id_index, cached_lookup, row_lookup). no_index when empty
// (reported if `required`) or unknown (reported).
template <class Lookup>
std::int32_t resolve(csv::row& r, std::size_t c, Lookup& ids, std::string_view what, bool required) {
  const std::string_view id = r.cell(c);
  if (id.empty()) {
    std::string_view ignored;
    if (required) r.id(c, ignored);  // reports the missing value
    return no_index;
  }
  const std::int32_t index = ids.find(id);
  if (index == no_index && ids.complete) r.problem(c, unknown(what, id));
  return index;
}

// A batched_lookup asked for the account of one row, as resolve() asks any lookup: its answer
// may be batched_lookup::queued, and an unknown account is then reported with the batch.
struct row_lookup {
  batched_lookup& accounts;
  std::size_t row;
  bool complete = accounts.complete;
  std::int32_t find(std::string_view id) { return accounts.find(id, row); }
};

inline std::int32_t to_index(std::size_t i) { return static_cast<std::int32_t>(i); }

// Reads the cells of `numbers` into the row struct, each by its rule (value_rules.hpp).
template <class Rules, class Row>
void read_numbers(csv::row& r, std::span<const csv::column> cols, const Rules& numbers, Row& x, bool option = false) {
  for (const auto& rule : numbers)
    rules::read_cell(r, rules::column_index(cols, rule.column), rule, x.*rule.member, option);
}

// ---- the loader ----

struct file_slot {
  std::string_view name;
  bool required;
};
// The fixed order of loaded_snapshot::files.
inline constexpr file_slot file_slots[] = {
    {"assets.csv", true},      {"collateral_tiers.csv", false}, {"factors.csv", true},  {"margin_tiers.csv", true},
    {"instruments.csv", true}, {"accounts.csv", true},          {"balances.csv", true}, {"positions.csv", true}};
enum slot : std::size_t {
  s_assets,
  s_collateral,
  s_factors,
  s_margin,
  s_instruments,
  s_accounts,
  s_balances,
  s_positions
};

class loader {
 public:
  explicit loader(int threads) : threads_(resolve_threads(threads)) {}

  void factors(const csv::file& f);
  void assets(const csv::file& f);
  void collateral_tiers(const csv::file& f);
  void margin_tiers(const csv::file& f);
  void instruments(const csv::file& f);
  void accounts(const csv::file& f);
  void balances(const csv::file& f);
  void positions(const csv::file& f);

  problem_list problems;
  book b;
  std::size_t rows[std::size(file_slots)] = {};

 private:
  // Reads a small file on this thread; fn(row&) per data row. Returns the layout.
  template <class Fn>
  csv::layout read_small(const csv::file& f, std::span<const csv::column> cols, slot s, Fn&& fn) {
    csv::layout l = csv::read_header(f, cols, problems);
    const auto slices = csv::split_lines(f, l, 1, 1);
    for (const auto& sl : slices) {
      csv::for_each_row(f, l, cols, sl, problems, [&](csv::row& r) {
        ++rows[s];
        fn(r);
      });
    }
    return l;
  }

  // How the rows of a large file tie to accounts.csv: accounts.csv keys them in `column`; balances
  // and positions refer to them in `column`, and read_large resolves that into Row::*refers.
  template <class Row>
  struct account_link {
    std::size_t column;
    std::int32_t Row::*refers = nullptr;  // null: the file is accounts.csv
  };

  // Reads a large file in slices on all threads; returns the rows of every slice, in file order.
  // make_parser() is called once per slice and returns the parser(row&, Row&) that fills a row
  // (but not the account it refers to), so a parser may keep per-thread state (cached_lookup).
  template <class Row, class MakeParser>
  std::vector<std::vector<Row>> read_large(const csv::file& f, std::span<const csv::column> cols, slot s,
                                           account_link<Row> link, MakeParser&& make_parser) {
    const csv::layout l = csv::read_header(f, cols, problems);
    if (link.refers == nullptr && !l.has(link.column)) account_ids_.complete = false;
    const auto slices = csv::split_lines(f, l, static_cast<std::size_t>(threads_), threads_);
    std::vector<std::vector<Row>> parts(slices.size());
    std::vector<problem_list> found(slices.size());
    std::vector<problem_list> unknown_accounts(slices.size());  // found a batch later than the rest
    parallel_for(slices.size(), threads_, [&](std::size_t i) {
      std::vector<Row>& part = parts[i];
      // ~40 bytes a line is typical: reserve so the vector grows at most once or twice.
      part.reserve((slices[i].end - slices[i].begin) / 32);
      auto parse = make_parser();
      batched_lookup accounts(account_ids_);
      const auto resolve_waiting = [&] {
        accounts.resolve([&](std::size_t k, std::string_view id, std::int32_t index) {
          part[k].*link.refers = index;
          if (index == no_index && accounts.complete) {
            unknown_accounts[i].add(f.name, part[k].line, std::string(cols[link.column].name), unknown("account", id));
          }
        });
      };
      csv::for_each_row(f, l, cols, slices[i], found[i], [&](csv::row& r) {
        Row& x = part.emplace_back();
        if (link.refers != nullptr) {
          row_lookup lookup{accounts, part.size() - 1};
          x.*link.refers = resolve(r, link.column, lookup, "account", true);
        }
        parse(r, x);
        if (accounts.full()) resolve_waiting();
      });
      resolve_waiting();
    });
    for (std::size_t i = 0; i < slices.size(); ++i) {
      // Ahead of the slice's other problems: the report is sorted by line, stably, and on a line
      // the account column is read first.
      problems.append(unknown_accounts[i]);
      problems.append(found[i]);
      rows[s] += parts[i].size();
    }
    return parts;
  }

  template <class Report>
  void duplicates(const std::vector<std::int64_t>& begin, std::span<const std::uint64_t> keys, Report&& report) {
    const std::size_t parts = static_cast<std::size_t>(threads_);
    std::vector<problem_list> found(parts);
    const std::size_t accounts = begin.size() - 1;
    parallel_for(parts, threads_, [&](std::size_t p) {
      for (std::size_t a = accounts * p / parts; a < accounts * (p + 1) / parts; ++a) {
        for_each_duplicate(
            begin[a], begin[a + 1], [&](std::size_t i) { return keys[i]; },
            [&](std::size_t later, std::size_t first) { report(found[p], a, later, first); });
      }
    });
    for (const auto& f : found) problems.append(f);
  }

  int threads_;
  id_index factor_ids_, asset_ids_, schedule_ids_, instrument_ids_, account_ids_;
};

}  // namespace riskscan::snapshot_csv
