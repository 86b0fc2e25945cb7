// Snapshot packs (docs/snapshot-pack.md): what a CSV snapshot loads as, a pack of it loads as,
// column for column and scan for scan; its manifest names the pack and the CSV files it came from;
// a corrupt, truncated or doctored pack is reported (exit 65), never read out of bounds.
#include "riskscan/snapshot_pack.hpp"
#include "riskscan/cpu_backend.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "book_builder.hpp"
#include "riskscan/error.hpp"
#include "riskscan/generate.hpp"
#include "riskscan/sha256.hpp"
#include "riskscan/snapshot_io.hpp"
#include "test_support.hpp"

namespace riskscan::test {
namespace {

// Doubles compared bit for bit, so NaN (cross positions, option entries) counts as equal to itself.
std::vector<std::uint64_t> bits(const std::vector<double>& v) {
  std::vector<std::uint64_t> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](double x) { return std::bit_cast<std::uint64_t>(x); });
  return out;
}

void expect_same_book(const book& a, const book& b) {
  ASSERT_EQ(a.factors.size(), b.factors.size());
  for (std::size_t i = 0; i < a.factors.size(); ++i) {
    const factor &x = a.factors[i], &y = b.factors[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(bits({x.beta, x.pm_range, x.pm_vol_up, x.pm_vol_down, x.pm_extreme_move, x.pm_extreme_fraction,
                    x.pm_basis_rate, x.pm_min_charge_rate}),
              bits({y.beta, y.pm_range, y.pm_vol_up, y.pm_vol_down, y.pm_extreme_move, y.pm_extreme_fraction,
                    y.pm_basis_rate, y.pm_min_charge_rate}))
        << x.id;
  }
  ASSERT_EQ(a.assets.size(), b.assets.size());
  for (std::size_t i = 0; i < a.assets.size(); ++i) {
    const asset &x = a.assets[i], &y = b.assets[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(bits({x.price_usd, x.borrow_mmr, x.borrow_imr}), bits({y.price_usd, y.borrow_mmr, y.borrow_imr})) << x.id;
    EXPECT_EQ(std::vector({x.factor, x.tier_begin, x.tier_end}), std::vector({y.factor, y.tier_begin, y.tier_end}))
        << x.id;
  }
  for (const auto tiers : {&book::collateral_tiers, &book::margin_tiers}) {
    ASSERT_EQ((a.*tiers).size(), (b.*tiers).size());
    for (std::size_t i = 0; i < (a.*tiers).size(); ++i) {
      const tier_row &x = (a.*tiers)[i], &y = (b.*tiers)[i];
      EXPECT_EQ(bits({x.up_to_usd, x.rate}), bits({y.up_to_usd, y.rate}));
    }
  }
  ASSERT_EQ(a.schedules.size(), b.schedules.size());
  for (std::size_t i = 0; i < a.schedules.size(); ++i) {
    const margin_schedule &x = a.schedules[i], &y = b.schedules[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.style, y.style);
    EXPECT_EQ(std::vector({x.tier_begin, x.tier_end}), std::vector({y.tier_begin, y.tier_end})) << x.id;
  }
  ASSERT_EQ(a.instruments.size(), b.instruments.size());
  for (std::size_t i = 0; i < a.instruments.size(); ++i) {
    const instrument &x = a.instruments[i], &y = b.instruments[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.kind, y.kind) << x.id;
    EXPECT_EQ(std::vector({x.underlying, x.settle, x.mm_schedule}),
              std::vector({y.underlying, y.settle, y.mm_schedule}))
        << x.id;
    EXPECT_EQ(std::vector({x.inverse, x.is_call}), std::vector({y.inverse, y.is_call})) << x.id;
    EXPECT_EQ(bits({x.multiplier, x.mark_price, x.expiry_years, x.strike, x.iv, x.option_mm_rate, x.liq_fee_rate,
                    x.impact_k, x.depth_usd}),
              bits({y.multiplier, y.mark_price, y.expiry_years, y.strike, y.iv, y.option_mm_rate, y.liq_fee_rate,
                    y.impact_k, y.depth_usd}))
        << x.id;
  }
  EXPECT_EQ(a.account_ids, b.account_ids);
  EXPECT_EQ(a.account_modes, b.account_modes);
  EXPECT_EQ(a.account_groups, b.account_groups);
  EXPECT_EQ(a.group_ids, b.group_ids);
  EXPECT_EQ(a.balance_begin, b.balance_begin);
  EXPECT_EQ(a.balance_asset, b.balance_asset);
  EXPECT_EQ(bits(a.balance_amount), bits(b.balance_amount));
  EXPECT_EQ(a.position_begin, b.position_begin);
  EXPECT_EQ(a.position_instrument, b.position_instrument);
  EXPECT_EQ(bits(a.position_qty), bits(b.position_qty));
  EXPECT_EQ(bits(a.position_entry), bits(b.position_entry));
  EXPECT_EQ(bits(a.position_isolated), bits(b.position_isolated));
}

// A generated exchange with options, portfolio accounts and groups, as a CSV snapshot.
const std::filesystem::path& generated_snapshot() {
  static temp_dir dir("rs-pack");
  static const std::filesystem::path path = [] {
    generate_options o;
    o.accounts = 500;
    o.seed = 77;
    generate_exchange(o, dir / "snap");
    return dir / "snap";
  }();
  return path;
}

TEST(SnapshotPack, EveryConformanceCaseAndAGeneratedBookRoundTrip) {
  std::vector<std::filesystem::path> snapshots{generated_snapshot()};
  for (const auto& entry : std::filesystem::directory_iterator(conformance_dir()))
    if (std::filesystem::is_directory(entry.path() / "snapshot")) snapshots.push_back(entry.path() / "snapshot");
  temp_dir d;
  for (const auto& dir : snapshots) {
    SCOPED_TRACE(dir.string());
    const loaded_snapshot csv = load_snapshot(dir, 2);
    write_snapshot_pack(csv, d / "x.rspack");
    // The large columns are copied on every thread the load has: one, or a few.
    expect_same_book(csv.data, load_snapshot(d / "x.rspack", 1).data);
    const loaded_snapshot packed = load_snapshot(d / "x.rspack", 3);
    expect_same_book(csv.data, packed.data);

    // The manifest: the pack itself, then (as provenance) the CSV files it was made from.
    ASSERT_EQ(packed.files.size(), 1u);
    EXPECT_EQ(packed.files[0].path, (d / "x.rspack").string());
    EXPECT_EQ(packed.files[0].sha256, sha256_hex(read_file(d / "x.rspack")));
    EXPECT_EQ(packed.files[0].rows, csv.data.account_count());
    ASSERT_EQ(packed.packed_from.size(), csv.files.size());
    for (std::size_t i = 0; i < csv.files.size(); ++i) {
      EXPECT_EQ(packed.packed_from[i].path, csv.files[i].path);
      EXPECT_EQ(packed.packed_from[i].sha256, csv.files[i].sha256);
      EXPECT_EQ(packed.packed_from[i].rows, csv.files[i].rows);
    }
    EXPECT_TRUE(leftover_temporaries(d.path()).empty());
  }
}

TEST(SnapshotPack, ScansOfAPackEqualScansOfItsCsv) {
  const book csv = load_snapshot(generated_snapshot()).data;
  temp_dir d;
  write_snapshot_pack(load_snapshot(generated_snapshot()), d / "g.rspack");
  const book packed = load_snapshot(d / "g.rspack").data;
  // Crashes and rallies with vol shocks and horizons, so options, portfolio accounts and
  // liquidations all take part.
  scenario_set set = make_scenario_set(factor_ids(csv));
  for (std::size_t s = 0; s < 12; ++s) {
    const auto i = set.add(fmt::format("s{}", s), 1.0, static_cast<double>(s % 3) * 7.0);
    for (std::size_t f = 0; f < set.factor_count(); ++f) {
      set.ret(i, f) = csv.factors[f].kind == factor_kind::stable ? -0.02 : -0.55 + 0.1 * static_cast<double>(s);
      set.vol(i, f) = 0.1 * static_cast<double>(s % 5);
    }
  }
  auto cpu = make_cpu_backend(2);
  const auto x = scan_in_memory(csv, bind_scenarios(csv, set, "sc"), *cpu);
  const auto y = scan_in_memory(packed, bind_scenarios(packed, set, "sc"), *cpu);
  EXPECT_EQ(x.accounts_csv, y.accounts_csv);
  EXPECT_EQ(x.scenarios_csv, y.scenarios_csv);
}

// ---- damaged and doctored packs ----

struct pack_bytes {
  std::string bytes;

  // Offset and element count of a column, from the directory.
  std::pair<std::size_t, std::size_t> column(const std::string& name) const {
    std::uint32_t columns = 0;
    std::memcpy(&columns, bytes.data() + 12, 4);
    for (std::size_t i = 0; i < columns; ++i) {
      const char* e = bytes.data() + 128 + i * 64;
      if (name == std::string(e, strnlen(e, 40))) {
        std::uint64_t count = 0, offset = 0;
        std::memcpy(&count, e + 48, 8);
        std::memcpy(&offset, e + 56, 8);
        return {offset, count};
      }
    }
    ADD_FAILURE() << "no column " << name;
    return {0, 0};
  }
  // The directory entry of a column (its name comes first).
  char* entry_name(const std::string& name) {
    for (std::size_t at = 128; at + 64 <= bytes.size(); at += 64)
      if (name == bytes.data() + at) return bytes.data() + at;
    ADD_FAILURE() << "no column " << name;
    return bytes.data() + 128;
  }
  template <class T>
  void set(const std::string& name, std::size_t row, T value) {
    std::memcpy(bytes.data() + column(name).first + row * sizeof(T), &value, sizeof(T));
  }
  // What a forger would do: make the header's digest match the doctored content.
  void reseal() {
    const std::string digest = sha256_hex(std::string_view(bytes).substr(128));
    bytes.replace(24, 64, digest);
  }
};

class DamagedPack : public ::testing::Test {
 protected:
  void SetUp() override {
    write_snapshot_pack(load_snapshot(golden_dir() / "snapshot"), dir_ / "good.rspack");
    pack_.bytes = read_file(dir_ / "good.rspack");
  }
  // Loads the damaged bytes; returns every problem's text (empty if it loaded).
  std::string load_problems() {
    write_file(dir_ / "bad.rspack", pack_.bytes);
    try {
      load_snapshot(dir_ / "bad.rspack");
    } catch (const input_error& e) {
      EXPECT_EQ(e.code(), exit_code::bad_input);
      std::string all;
      for (const auto& p : e.problems().items()) {
        EXPECT_EQ(p.file, (dir_ / "bad.rspack").string());
        all += p.to_string() + "\n";
      }
      return all;
    }
    return {};
  }
  void expect_problem(const std::string& text) {
    const std::string problems = load_problems();
    EXPECT_NE(problems.find(text), std::string::npos) << "wanted: " << text << "\ngot: " << problems;
  }
  temp_dir dir_;
  pack_bytes pack_;
};

TEST_F(DamagedPack, AnUntouchedCopyLoads) { EXPECT_EQ(load_problems(), ""); }

TEST_F(DamagedPack, OneFlippedBitFailsTheDigest) {
  pack_.bytes[pack_.column("position.qty").first + 3] ^= 0x10;
  expect_problem("bad.rspack: sha256: the content does not match the SHA-256 in its header");
}

TEST_F(DamagedPack, TruncatedOrExtended) {
  const std::string whole = pack_.bytes;
  pack_.bytes.resize(whole.size() - 1);
  expect_problem("bad.rspack: size: the header says");
  pack_.bytes = whole + "x";
  expect_problem("truncated or appended to");
  pack_.bytes.resize(100);
  expect_problem("bad.rspack: magic: not a riskscan snapshot pack");
}

TEST_F(DamagedPack, NotAPackOrAnotherVersion) {
  pack_.bytes = read_file(golden_dir() / "snapshot" / "accounts.csv");
  expect_problem("not a riskscan snapshot pack");
  write_snapshot_pack(load_snapshot(golden_dir() / "snapshot"), dir_ / "good.rspack");
  pack_.bytes = read_file(dir_ / "good.rspack");
  pack_.bytes[8] = 2;
  expect_problem("bad.rspack: version: pack format version 2; this build reads version 1");
}

// Resealed packs pass the digest; the reference checks must still catch every bad index.
TEST_F(DamagedPack, AnIndexOutOfRange) {
  pack_.set<std::int32_t>("position.instrument", 7, 100000);
  pack_.set<std::int32_t>("position.instrument", 9, -3);
  pack_.set<std::int32_t>("balance.asset", 0, 8);
  pack_.set<std::int32_t>("instrument.underlying", 2, 7);
  pack_.set<std::int32_t>("account.group", 5, 99);
  pack_.set<std::uint8_t>("instrument.kind", 4, 3);
  pack_.reseal();
  const std::string problems = load_problems();
  for (const char* want :
       {"position.instrument: row 7: instrument index 100000 is not one of the 135 instruments (and 1 more rows)",
        "balance.asset: row 0: asset index 8 is not one of the 8 assets",
        "instrument.underlying: row 2: factor index 7 is not one of the 7 factors",
        "account.group: row 5: group index 99", "instrument.kind: row 4: 3 is not a known value"})
    EXPECT_NE(problems.find(want), std::string::npos) << want << "\ngot: " << problems;
}

// Found by fuzzing: an isolated option position made the scan read a margin schedule at index -1.
TEST_F(DamagedPack, AnIsolatedOptionPosition) {
  const book& b = golden_book();
  std::size_t row = 0;
  while (b.instruments[static_cast<std::size_t>(b.position_instrument[row])].kind != instrument_kind::option) ++row;
  pack_.set<double>("position.isolated", row, 1e20);
  pack_.reseal();
  expect_problem(fmt::format("position.isolated: row {}: an option position is isolated", row));
}

// Found by fuzzing: resealed packs with values no snapshot directory can hold (a NaN price, tiers
// out of order, a position held twice) loaded, and the reference and cpu backends then disagreed.
// The CSV loader's rules now apply to a pack's values too.
TEST_F(DamagedPack, ValuesTheCsvRulesForbid) {
  const book& b = golden_book();
  pack_.set<double>("asset.price_usd", 1, std::nan(""));
  pack_.set<double>("position.qty", 4, 0.0);
  pack_.set<double>("collateral_tier.rate", 0, 1.5);
  const margin_schedule& s = b.schedules[0];
  ASSERT_GE(s.tier_end - s.tier_begin, 2);
  pack_.set<double>("margin_tier.up_to_usd", static_cast<std::size_t>(s.tier_begin) + 1,
                    b.margin_tiers[static_cast<std::size_t>(s.tier_begin)].up_to_usd);
  // The first account with two cross positions in different instruments holds the first twice.
  std::size_t first = 0;
  for (std::size_t a = 0; a < b.account_count(); ++a) {
    const auto begin = static_cast<std::size_t>(b.position_begin[a]);
    if (b.position_begin[a + 1] - b.position_begin[a] >= 2 && !is_isolated(b.position_isolated[begin]) &&
        !is_isolated(b.position_isolated[begin + 1])) {
      first = begin;
      break;
    }
  }
  ASSERT_GT(first, 0U);
  pack_.set<std::int32_t>("position.instrument", first + 1, b.position_instrument[first]);
  // IDs: a comma in an account ID would add a column to accounts.csv; a factor ID twice.
  pack_.set<char>("account.id.bytes", 1, ',');
  std::size_t twin = 1;
  while (b.factors[twin].id.size() != b.factors[0].id.size()) ++twin;
  const auto factor_bytes = static_cast<std::size_t>(pack_.column("factor.id.offsets").first);
  std::int64_t twin_offset = 0;
  std::memcpy(&twin_offset, pack_.bytes.data() + factor_bytes + twin * 8, 8);
  for (std::size_t k = 0; k < b.factors[0].id.size(); ++k)
    pack_.set<char>("factor.id.bytes", static_cast<std::size_t>(twin_offset) + k, b.factors[0].id[k]);
  pack_.reseal();
  const std::string problems = load_problems();
  for (const std::string& want :
       {std::string("asset.price_usd: row 1: nan is not a finite number"),
        std::string("position.qty: row 4: must not be 0 (got 0)"),
        std::string("collateral_tier.rate: row 0: must be in [0, 1] (got 1.5)"),
        fmt::format("schedule.tier_begin: row 0: up_to_usd of tier rows {} and {} do not ascend", s.tier_begin,
                    s.tier_begin + 1),
        fmt::format("position.instrument: row {}: repeats an earlier row of its account", first + 1),
        fmt::format("account.id: row 0: '{},{}' is not an ID a CSV cell can hold", b.account_ids[0][0],
                    b.account_ids[0].substr(2)),
        fmt::format("factor.id: row {}: repeats the ID of row 0", twin)})
    EXPECT_NE(problems.find(want), std::string::npos) << want << "\ngot: " << problems;
}

// The rules of io/src/value_rules.hpp, as the CSV loader applies them: a stored value that stands
// for an empty cell (depth_usd 0: no slippage; no strike on a future) loads, one that a cell could
// not hold does not (a depth of 0 written in instruments.csv is refused there too, see
// snapshot_reject_test.cpp).
TEST_F(DamagedPack, ValuesFollowTheCsvRulesOfTheirColumns) {
  const book& b = golden_book();
  std::size_t option = 0, future = 0;
  for (std::size_t i = 0; i < b.instruments.size(); ++i) {
    if (b.instruments[i].kind == instrument_kind::option && option == 0) option = i;
    if (b.instruments[i].kind != instrument_kind::option && future == 0 && i > 0) future = i;
  }
  ASSERT_GT(option, 0U);
  ASSERT_GT(future, 0U);
  pack_.set<double>("instrument.depth_usd", 0, 0.0);
  pack_.set<double>("instrument.strike", future, 0.0);
  pack_.reseal();
  EXPECT_EQ(load_problems(), "");
  pack_.set<double>("instrument.depth_usd", 0, -5.0);
  pack_.set<double>("instrument.strike", option, 0.0);
  pack_.set<double>("factor.beta", 0, std::nan(""));
  pack_.reseal();
  const std::string problems = load_problems();
  for (const std::string& want : {std::string("instrument.depth_usd: row 0: must be > 0 (got -5)"),
                                  fmt::format("instrument.strike: row {}: must be > 0 (got 0)", option),
                                  std::string("factor.beta: row 0: nan is not a finite number")})
    EXPECT_NE(problems.find(want), std::string::npos) << want << "\ngot: " << problems;
}

TEST_F(DamagedPack, OffsetsThatGoBackOrOverrun) {
  pack_.set<std::int64_t>("position.begin", 3, 1000000);
  pack_.reseal();
  expect_problem("position.begin: row 3: 1000000 is above the next offset");
  SetUp();
  const auto [offset, count] = pack_.column("balance.begin");
  pack_.set<std::int64_t>("balance.begin", count - 1, 5);
  pack_.reseal();
  expect_problem("balance.begin: must hold 121 offsets from 0 to 232");
  SetUp();
  pack_.set<std::int64_t>("account.id.offsets", 2, 1);
  pack_.reseal();
  expect_problem("account.id.offsets: element 2 goes back");
  SetUp();
  pack_.set<std::int32_t>("schedule.tier_end", 0, 1000);
  pack_.reseal();
  expect_problem("schedule.tier_begin: row 0: tiers [0, 1000) are not a nonempty range");
}

TEST_F(DamagedPack, DirectoryProblems) {
  std::memcpy(pack_.entry_name("position.qty"), "position.qt\xff", 12);
  pack_.reseal();
  std::string problems = load_problems();
  EXPECT_NE(problems.find("position.qty: missing column"), std::string::npos) << problems;
  EXPECT_NE(problems.find("position.qt\\xff: unknown column"), std::string::npos) << problems;

  SetUp();
  char* entry = pack_.entry_name("position.entry");
  const std::uint64_t far = pack_.bytes.size();  // the column would start at the end of the file
  std::memcpy(entry + 56, &far, 8);
  pack_.reseal();
  expect_problem("position.entry: ");
  expect_problem("lie outside the file's data");

  SetUp();
  std::memcpy(pack_.entry_name("position.isolated") + 40, "<i4", 3);
  pack_.reseal();
  expect_problem("position.isolated: type '<i4' with 8-byte elements is not one a pack holds");

  SetUp();  // found by fuzzing: an entry whose name is all NUL was reported with no column
  char* nameless = pack_.entry_name("position.qty");
  std::memset(nameless, 0, 40);
  const auto place = static_cast<std::size_t>(nameless - pack_.bytes.data() - 128) / 64 + 1;
  pack_.reseal();
  expect_problem(fmt::format("bad.rspack: directory entry {}: unknown column", place));

  SetUp();
  const std::uint32_t columns = 1u << 30;
  std::memcpy(pack_.bytes.data() + 12, &columns, 4);
  pack_.reseal();
  expect_problem("bad.rspack: columns: the header lists 1073741824 columns, more than the file can hold");
}

TEST(SnapshotPack, AFailedWriteIsAnOutputErrorAndLeavesNoFile) {
  const loaded_snapshot snap = load_snapshot(golden_dir() / "snapshot");
  temp_dir d;
  EXPECT_THROW(write_snapshot_pack(snap, d / "missing-dir" / "x.rspack"), output_error);
  // Written in full, then the rename fails: an existing directory is in the way.
  std::filesystem::create_directory(d / "in-the-way");
  EXPECT_THROW(write_snapshot_pack(snap, d / "in-the-way"), output_error);
  EXPECT_TRUE(std::filesystem::is_empty(d / "in-the-way"));
  EXPECT_TRUE(leftover_temporaries(d.path()).empty());
  // Found by running the CLI with random arguments as root: `pack --out /dev/full` replaced the
  // device with a regular file. A FIFO stands in for the device here.
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(write_snapshot_pack(snap, d / "fifo"), output_error);
  EXPECT_TRUE(std::filesystem::is_fifo(d / "fifo"));
  EXPECT_TRUE(leftover_temporaries(d.path()).empty());
  // An older pack is replaced.
  write_file(d / "old.rspack", "old");
  write_snapshot_pack(snap, d / "old.rspack");
  EXPECT_EQ(load_snapshot(d / "old.rspack", 1).data.account_count(), snap.data.account_count());
}

}  // namespace
}  // namespace riskscan::test
