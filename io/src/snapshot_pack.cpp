// The snapshot pack file (docs/snapshot-pack.md): a header, a directory of columns, and the
// columns themselves, each a plain little-endian array.
//
//   header (128 bytes)   magic "\x89RSPACK\n", u32 version, u32 column count, u64 file size,
//                        the SHA-256 (64 hex digits) of every byte after the header, zeros
//   directory            per column 64 bytes: name (NUL-padded, 40), NumPy type code (NUL-padded,
//                        4), u32 element size, u64 element count, u64 offset from the file start
//   columns              each at a multiple of 64 bytes
//
// One list of columns (for_each_column) drives both the writer and the reader. Strings are two
// columns, `<name>.offsets` (<i8, count + 1) and `<name>.bytes` (|u1), as Arrow keeps them.
#include "riskscan/snapshot_pack.hpp"

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "account_rows.hpp"
#include "pack_checks.hpp"
#include "read_while_hashing.hpp"
#include "riskscan/csv_reader.hpp"
#include "riskscan/error.hpp"
#include "riskscan/output_file.hpp"
#include "riskscan/region_errors.hpp"
#include "riskscan/sha256.hpp"

namespace riskscan {
namespace {

static_assert(std::endian::native == std::endian::little, "packs are little-endian; this build would need byte swaps");

constexpr std::array<char, 8> magic = {'\x89', 'R', 'S', 'P', 'A', 'C', 'K', '\n'};
constexpr std::uint32_t format_version = 1;
constexpr std::size_t header_size = 128;
constexpr std::size_t entry_size = 64;
constexpr std::size_t name_size = 40;
constexpr std::size_t type_size = 4;
constexpr std::size_t digest_offset = 24;
constexpr std::size_t digest_size = 64;  // hex digits
constexpr std::size_t alignment = 64;

// Every column of a pack, in file order. `Book` is `const book` when writing.
template <class Visitor, class Book, class Files>
void for_each_column(Visitor& v, Book& b, Files& sources) {
  v.field("factor.id", b.factors, &factor::id);
  v.field("factor.kind", b.factors, &factor::kind);
  v.field("factor.beta", b.factors, &factor::beta);
  v.field("factor.pm_range", b.factors, &factor::pm_range);
  v.field("factor.pm_vol_up", b.factors, &factor::pm_vol_up);
  v.field("factor.pm_vol_down", b.factors, &factor::pm_vol_down);
  v.field("factor.pm_extreme_move", b.factors, &factor::pm_extreme_move);
  v.field("factor.pm_extreme_fraction", b.factors, &factor::pm_extreme_fraction);
  v.field("factor.pm_basis_rate", b.factors, &factor::pm_basis_rate);
  v.field("factor.pm_min_charge_rate", b.factors, &factor::pm_min_charge_rate);

  v.field("asset.id", b.assets, &asset::id);
  v.field("asset.price_usd", b.assets, &asset::price_usd);
  v.field("asset.factor", b.assets, &asset::factor);
  v.field("asset.borrow_mmr", b.assets, &asset::borrow_mmr);
  v.field("asset.borrow_imr", b.assets, &asset::borrow_imr);
  v.field("asset.tier_begin", b.assets, &asset::tier_begin);
  v.field("asset.tier_end", b.assets, &asset::tier_end);
  v.field("collateral_tier.up_to_usd", b.collateral_tiers, &tier_row::up_to_usd);
  v.field("collateral_tier.rate", b.collateral_tiers, &tier_row::rate);

  v.field("schedule.id", b.schedules, &margin_schedule::id);
  v.field("schedule.style", b.schedules, &margin_schedule::style);
  v.field("schedule.tier_begin", b.schedules, &margin_schedule::tier_begin);
  v.field("schedule.tier_end", b.schedules, &margin_schedule::tier_end);
  v.field("margin_tier.up_to_usd", b.margin_tiers, &tier_row::up_to_usd);
  v.field("margin_tier.rate", b.margin_tiers, &tier_row::rate);

  v.field("instrument.id", b.instruments, &instrument::id);
  v.field("instrument.kind", b.instruments, &instrument::kind);
  v.field("instrument.underlying", b.instruments, &instrument::underlying);
  v.field("instrument.settle", b.instruments, &instrument::settle);
  v.field("instrument.inverse", b.instruments, &instrument::inverse);
  v.field("instrument.multiplier", b.instruments, &instrument::multiplier);
  v.field("instrument.mark_price", b.instruments, &instrument::mark_price);
  v.field("instrument.expiry_years", b.instruments, &instrument::expiry_years);
  v.field("instrument.strike", b.instruments, &instrument::strike);
  v.field("instrument.is_call", b.instruments, &instrument::is_call);
  v.field("instrument.iv", b.instruments, &instrument::iv);
  v.field("instrument.mm_schedule", b.instruments, &instrument::mm_schedule);
  v.field("instrument.option_mm_rate", b.instruments, &instrument::option_mm_rate);
  v.field("instrument.liq_fee_rate", b.instruments, &instrument::liq_fee_rate);
  v.field("instrument.impact_k", b.instruments, &instrument::impact_k);
  v.field("instrument.depth_usd", b.instruments, &instrument::depth_usd);

  v.array("account.id", b.account_ids);
  v.array("account.mode", b.account_modes);
  v.array("account.group", b.account_groups);
  v.array("group.id", b.group_ids);
  v.array("balance.begin", b.balance_begin);
  v.array("balance.asset", b.balance_asset);
  v.array("balance.amount", b.balance_amount);
  v.array("position.begin", b.position_begin);
  v.array("position.instrument", b.position_instrument);
  v.array("position.qty", b.position_qty);
  v.array("position.entry", b.position_entry);
  v.array("position.isolated", b.position_isolated);

  // Provenance: the snapshot files the pack was made from.
  v.field("source.path", sources, &input_file_info::path);
  v.field("source.sha256", sources, &input_file_info::sha256);
  v.field("source.rows", sources, &input_file_info::rows);
}

// How a value is kept: enums and bools as one byte, numbers as themselves.
template <class T>
using stored_t = std::conditional_t<std::is_enum_v<T> || std::is_same_v<T, bool>, std::uint8_t, T>;

template <class T>
constexpr std::string_view type_code() {
  using S = stored_t<T>;
  static_assert(!std::is_enum_v<T> || sizeof(T) == 1);
  if constexpr (std::is_same_v<S, std::uint8_t>)
    return "|u1";
  else if constexpr (std::is_same_v<S, std::int32_t>)
    return "<i4";
  else if constexpr (std::is_same_v<S, std::int64_t>)
    return "<i8";
  else if constexpr (std::is_same_v<S, std::uint64_t>)
    return "<u8";
  else {
    static_assert(std::is_same_v<S, double>);
    return "<f8";
  }
}

void put(std::span<unsigned char> out, std::size_t at, const auto& value) {
  std::memcpy(out.data() + at, &value, sizeof(value));
}

template <class T>
T get(std::string_view bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// ---- writing ----

struct out_column {
  std::string name;
  std::string_view type;
  std::size_t element = 0;
  std::size_t count = 0;
  std::vector<unsigned char> owned;     // converted or gathered values, when the book has none
  const unsigned char* data = nullptr;  // `owned`, or the book's own array
};

class column_writer {
 public:
  std::vector<out_column> columns;

  template <class T>
  void array(std::string_view name, const std::vector<T>& values) {
    if constexpr (std::is_same_v<T, std::string>) {
      strings(name, values);
    } else if constexpr (std::is_same_v<stored_t<T>, T>) {
      add(name, type_code<T>(), sizeof(T), values.size(), {}, reinterpret_cast<const unsigned char*>(values.data()));
    } else {
      std::vector<unsigned char> bytes(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) bytes[i] = static_cast<std::uint8_t>(values[i]);
      add(name, type_code<T>(), 1, values.size(), std::move(bytes));
    }
  }

  template <class Rows, class S, class M>
  void field(std::string_view name, const Rows& rows, M S::*member) {
    std::vector<M> values;
    values.reserve(rows.size());
    for (const auto& r : rows) values.push_back(r.*member);
    if constexpr (std::is_same_v<M, std::string>) {
      strings(name, values);
    } else {
      using St = stored_t<M>;
      std::vector<unsigned char> bytes(values.size() * sizeof(St));
      for (std::size_t i = 0; i < values.size(); ++i) put(bytes, i * sizeof(St), static_cast<St>(values[i]));
      add(name, type_code<M>(), sizeof(St), values.size(), std::move(bytes));
    }
  }

 private:
  void strings(std::string_view name, const std::vector<std::string>& values) {
    std::vector<unsigned char> offsets((values.size() + 1) * 8);
    std::size_t total = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      put(offsets, i * 8, static_cast<std::int64_t>(total));
      total += values[i].size();
    }
    put(offsets, values.size() * 8, static_cast<std::int64_t>(total));
    std::vector<unsigned char> bytes(total);
    std::size_t at = 0;
    for (const auto& s : values) {
      std::memcpy(bytes.data() + at, s.data(), s.size());
      at += s.size();
    }
    add(fmt::format("{}.offsets", name), "<i8", 8, values.size() + 1, std::move(offsets));
    add(fmt::format("{}.bytes", name), "|u1", 1, total, std::move(bytes));
  }

  void add(std::string_view name, std::string_view type, std::size_t element, std::size_t count,
           std::vector<unsigned char> owned, const unsigned char* data = nullptr) {
    out_column& c = columns.emplace_back();
    c.name = name;
    c.type = type;
    c.element = element;
    c.count = count;
    c.owned = std::move(owned);
    c.data = data != nullptr ? data : c.owned.data();
  }
};

std::size_t aligned(std::size_t n) { return (n + alignment - 1) / alignment * alignment; }

// ---- reading ----

struct directory_entry {
  std::string name;
  std::string type;
  std::size_t count = 0;
  std::size_t offset = 0;
  bool used = false;
};

std::size_t element_size(std::string_view type) {
  if (type == "|u1") return 1;
  if (type == "<i4") return 4;
  if (type == "<i8" || type == "<u8" || type == "<f8") return 8;
  return 0;
}

std::string fixed_string(std::string_view field) { return std::string(field.substr(0, field.find('\0'))); }

class column_reader {
 public:
  column_reader(std::string_view bytes, std::string file, problem_list& problems)
      : bytes_(bytes), file_(std::move(file)), problems_(problems) {}

  // Reads the directory; false (with the problems listed) when it is unusable.
  bool read_directory(std::size_t columns) {
    if (columns > (bytes_.size() - header_size) / entry_size) {
      problem("columns", fmt::format("the header lists {} columns, more than the file can hold", columns));
      return false;
    }
    for (std::size_t i = 0; i < columns; ++i) {
      const std::size_t at = header_size + i * entry_size;
      directory_entry e;
      // Escaped: a damaged directory may hold any bytes, and they end up in problem reports.
      e.name = csv::printable(fixed_string(bytes_.substr(at, name_size)));
      if (e.name.empty()) e.name = fmt::format("directory entry {}", i + 1);  // named by its place
      e.type = csv::printable(fixed_string(bytes_.substr(at + name_size, type_size)));
      const auto element = get<std::uint32_t>(bytes_, at + name_size + type_size);
      e.count = get<std::uint64_t>(bytes_, at + name_size + type_size + 4);
      e.offset = get<std::uint64_t>(bytes_, at + name_size + type_size + 12);
      const std::size_t data_begin = header_size + columns * entry_size;
      if (element_size(e.type) == 0 || element != element_size(e.type)) {
        problem(e.name, fmt::format("type '{}' with {}-byte elements is not one a pack holds", e.type, element));
      } else if (e.offset < data_begin || e.offset > bytes_.size() || e.count > (bytes_.size() - e.offset) / element) {
        problem(e.name, fmt::format("{} elements at offset {} lie outside the file's data", e.count, e.offset));
      } else if (!index_.try_emplace(e.name, entries_.size()).second) {
        problem(e.name, "the column appears twice");
      } else {
        entries_.push_back(std::move(e));
      }
    }
    return problems_.empty();
  }

  // A column of the book's account, balance and position arrays. Its values are copied later, by
  // copy_arrays(), on every thread: at 10 M accounts they are most of the pack.
  template <class T>
  void array(std::string_view name, std::vector<T>& out) {
    if constexpr (std::is_same_v<T, std::string>) {
      std::vector<std::int64_t> offsets;
      std::string_view chars;
      if (!string_column(name, offsets, chars)) return;
      const std::size_t bytes = chars.size() + (offsets.size() - 1) * sizeof(std::string);
      copies_.push_back({bytes, [chars, offsets = std::move(offsets), &out] { make_strings(chars, offsets, out); }});
    } else if (const directory_entry* e = find(name, type_code<T>())) {
      copies_.push_back({e->count * sizeof(stored_t<T>), [this, e, &out] { read_values(*e, out); }});
    }
  }

  // Runs the copies array() deferred, largest first.
  void copy_arrays(int threads) {
    std::sort(copies_.begin(), copies_.end(), [](const copy& a, const copy& b) { return a.bytes > b.bytes; });
    region_errors errors;  // the copies allocate
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::size_t i = 0; i < copies_.size(); ++i) errors.run(copies_[i].run);
    errors.rethrow();
    copies_.clear();
  }

  // A column of a small table (factors, assets, instruments...), read at once.
  template <class Rows, class S, class M>
  void field(std::string_view name, Rows& rows, M S::*member) {
    std::vector<M> values;
    if constexpr (std::is_same_v<M, std::string>) {
      std::vector<std::int64_t> offsets;
      std::string_view chars;
      if (!string_column(name, offsets, chars)) return;
      make_strings(chars, offsets, values);
    } else {
      const directory_entry* e = find(name, type_code<M>());
      if (e == nullptr) return;
      read_values(*e, values);
    }
    // The first column of a table sets its row count; the others must agree.
    const auto [seen, first] = table_rows_.try_emplace(&rows, values.size());
    if (!first && seen->second != values.size()) {
      problem(std::string(name),
              fmt::format("has {} rows, other columns of its table {}", values.size(), seen->second));
      return;
    }
    rows.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) rows[i].*member = std::move(values[i]);
  }

  // Columns of the file that no reader asked for: the file is not what this build writes.
  void report_unused() {
    for (const auto& e : entries_)
      if (!e.used) problem(e.name, "unknown column");
  }

 private:
  const directory_entry* find(std::string_view name, std::string_view type) {
    const auto it = index_.find(std::string(name));
    if (it == index_.end()) {
      problem(std::string(name), "missing column");
      return nullptr;
    }
    directory_entry& e = entries_[it->second];
    e.used = true;
    if (e.type != type) {
      problem(e.name, fmt::format("type '{}', expected '{}'", e.type, type));
      return nullptr;
    }
    return &e;
  }

  template <class T>
  void read_values(const directory_entry& e, std::vector<T>& out) const {
    using S = stored_t<T>;
    out.resize(e.count);
    if constexpr (std::is_same_v<S, T>) {
      if (e.count > 0) std::memcpy(out.data(), bytes_.data() + e.offset, e.count * sizeof(T));
    } else {
      for (std::size_t i = 0; i < e.count; ++i) out[i] = static_cast<T>(get<S>(bytes_, e.offset + i * sizeof(S)));
    }
  }

  // The checked offsets and the characters of string column `name` (`.offsets` and `.bytes`);
  // false, with the problems listed, when they are unusable.
  bool string_column(std::string_view name, std::vector<std::int64_t>& offsets, std::string_view& chars) {
    const directory_entry* offsets_entry = find(fmt::format("{}.offsets", name), type_code<std::int64_t>());
    if (offsets_entry != nullptr) read_values(*offsets_entry, offsets);
    // The characters are read in place: the strings made from them are their only copy.
    const directory_entry* bytes_entry = find(fmt::format("{}.bytes", name), "|u1");
    if (offsets_entry == nullptr || bytes_entry == nullptr) return false;
    chars = bytes_.substr(bytes_entry->offset, bytes_entry->count);
    const std::string column = fmt::format("{}.offsets", name);
    if (offsets.empty() || offsets.front() != 0 || offsets.back() != static_cast<std::int64_t>(chars.size())) {
      problem(column, fmt::format("must run from 0 to {}, the length of {}.bytes", chars.size(), name));
      return false;
    }
    const auto descending = std::adjacent_find(offsets.begin(), offsets.end(), std::greater<>());
    if (descending != offsets.end()) {
      problem(column, fmt::format("element {} goes back from {} to {}", descending - offsets.begin() + 1, *descending,
                                  *(descending + 1)));
      return false;
    }
    return true;
  }

  static void make_strings(std::string_view chars, const std::vector<std::int64_t>& offsets,
                           std::vector<std::string>& out) {
    out.resize(offsets.size() - 1);
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
      out[i].assign(
          chars.substr(static_cast<std::size_t>(offsets[i]), static_cast<std::size_t>(offsets[i + 1] - offsets[i])));
  }

  void problem(std::string column, std::string reason) {
    problems_.add(file_, 0, std::move(column), std::move(reason));
  }

  std::string_view bytes_;
  std::string file_;
  problem_list& problems_;
  std::vector<directory_entry> entries_;
  std::map<std::string, std::size_t> index_;
  std::map<const void*, std::size_t> table_rows_;
  struct copy {
    std::size_t bytes = 0;  // about what it writes, to start the largest first
    std::function<void()> run;
  };
  std::vector<copy> copies_;
};

}  // namespace

void write_snapshot_pack(const loaded_snapshot& snap, const std::filesystem::path& out) {
  // Written beside `out` under another name and renamed when complete (output_file), so that a
  // failed write never leaves a file at `out` (nor replaces an older pack there with half of a new
  // one), and a directory or device at `out` is refused before anything is written.
  output_file f(out);
  column_writer w;
  for_each_column(w, snap.data, snap.files);

  std::vector<unsigned char> head(header_size + w.columns.size() * entry_size, 0);
  std::size_t at = aligned(head.size());
  for (std::size_t i = 0; i < w.columns.size(); ++i) {
    const out_column& c = w.columns[i];
    const std::size_t e = header_size + i * entry_size;
    if (c.name.size() >= name_size) throw std::logic_error("pack column name too long: " + c.name);
    std::memcpy(head.data() + e, c.name.data(), c.name.size());
    std::memcpy(head.data() + e + name_size, c.type.data(), c.type.size());
    put(head, e + name_size + type_size, static_cast<std::uint32_t>(c.element));
    put(head, e + name_size + type_size + 4, static_cast<std::uint64_t>(c.count));
    put(head, e + name_size + type_size + 12, static_cast<std::uint64_t>(at));
    at = aligned(at + c.count * c.element);
  }
  const std::size_t file_size = at;
  std::memcpy(head.data(), magic.data(), magic.size());
  put(head, 8, format_version);
  put(head, 12, static_cast<std::uint32_t>(w.columns.size()));
  put(head, 16, static_cast<std::uint64_t>(file_size));

  // The digest covers what follows the header, so it is known only after the columns are written.
  sha256 digest;
  const std::array<unsigned char, alignment> zeros{};
  auto emit = [&](const void* data, std::size_t size) {
    if (size == 0) return;
    f.write(data, size);
    digest.update(data, size);
  };
  f.write(head.data(), header_size);
  emit(head.data() + header_size, head.size() - header_size);
  std::size_t written = head.size();
  for (const out_column& c : w.columns) {
    emit(zeros.data(), aligned(written) - written);
    emit(c.data, c.count * c.element);
    written = aligned(written) + c.count * c.element;
  }
  emit(zeros.data(), file_size - written);
  const std::string hex = digest.hex_digest();
  f.write_at(digest_offset, hex.data(), digest_size);
  f.commit();
}

loaded_snapshot load_snapshot_pack(const std::filesystem::path& path, int threads) {
  const auto start = std::chrono::steady_clock::now();
  // The content's digest (checked against the header's) and the whole file's (the manifest's)
  // are computed as the file is read.
  constexpr std::array<std::size_t, 2> digest_from = {header_size, 0};
  hashed_file read = read_while_hashing(path, digest_from);
  const csv::file& f = read.file;
  const std::string_view bytes = f.bytes();
  loaded_snapshot out;
  problem_list problems;
  // A header problem is named by its field, as the layout table of docs/snapshot-pack.md names it.
  auto fail = [&](std::string field, std::string reason) {
    problems.add(f.path, 0, std::move(field), std::move(reason));
    throw input_error(std::move(problems));
  };
  if (bytes.size() < header_size || !std::equal(magic.begin(), magic.end(), bytes.begin()))
    fail("magic", "not a riskscan snapshot pack (no pack header); a snapshot in CSV files is a directory");
  if (const auto version = get<std::uint32_t>(bytes, 8); version != format_version)
    fail("version", fmt::format("pack format version {}; this build reads version {}", version, format_version));
  if (const auto size = get<std::uint64_t>(bytes, 16); size != bytes.size())
    fail("size",
         fmt::format("the header says {} bytes, the file has {}: truncated or appended to", size, bytes.size()));
  if (read.digests[0] != bytes.substr(digest_offset, digest_size))
    fail("sha256", "the content does not match the SHA-256 in its header: the file is corrupt or was altered");

  column_reader reader(bytes, f.path, problems);
  if (!reader.read_directory(get<std::uint32_t>(bytes, 12))) throw input_error(std::move(problems));
  for_each_column(reader, out.data, out.packed_from);
  reader.report_unused();
  const int workers = threads > 0 ? threads : omp_get_max_threads();
  if (problems.empty()) reader.copy_arrays(workers);
  if (problems.empty()) check_pack_book(out.data, f.path, problems, workers);
  if (!problems.empty()) throw input_error(std::move(problems));
  out.files.push_back({f.path, std::move(read.digests[1]), out.data.account_count()});
  out.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace riskscan
