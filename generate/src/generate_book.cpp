// `riskscan generate`: writes accounts.csv, balances.csv and positions.csv. Affiliated groups are
// drawn first (one sequential stream), then accounts are built in parallel chunks, each from its
// own PRNG stream, and the chunks are written in account order: the same bytes for any thread
// count. Memory stays bounded: at most `batch` chunks of text are held at once.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unordered_set>

#include "generate_internal.hpp"
#include "riskscan/error.hpp"
#include "riskscan/region_errors.hpp"

namespace riskscan::gen {

namespace {

struct chunk_text {
  fmt::memory_buffer accounts, balances, positions;
};

// A C stdio file written in pieces; output_error on any failure.
class out_file {
 public:
  explicit out_file(std::filesystem::path path) : path_(std::move(path)) {
    f_ = std::fopen(path_.c_str(), "wb");
    if (f_ == nullptr) fail(errno);
  }
  ~out_file() {
    if (f_ != nullptr) std::fclose(f_);
  }
  out_file(const out_file&) = delete;
  out_file& operator=(const out_file&) = delete;
  void write(const fmt::memory_buffer& b) {
    if (b.size() > 0 && std::fwrite(b.data(), 1, b.size(), f_) != b.size()) fail(errno);
  }
  void write(std::string_view s) {
    if (!s.empty() && std::fwrite(s.data(), 1, s.size(), f_) != s.size()) fail(errno);
  }
  void close() {
    std::FILE* f = f_;
    f_ = nullptr;
    if (std::fclose(f) != 0) fail(errno);
  }

 private:
  [[noreturn]] void fail(int err) {
    throw output_error(fmt::format("cannot write {}: {}", path_.string(), std::strerror(err)));
  }
  std::filesystem::path path_;
  std::FILE* f_ = nullptr;
};

// Affiliated groups: about 2% of accounts in groups of 2-5, members scattered over the book.
struct affiliated_groups {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> members;  // (account index, group), sorted
  std::vector<group_theme> themes;                               // by group
};

affiliated_groups draw_groups(const market& m, const generate_options& o) {
  const std::uint64_t n = o.accounts;
  affiliated_groups out;
  const std::uint64_t groups = n / 175;  // mean size 3.5 -> 2% of accounts
  rng r(o.seed, stream_groups, 0);
  std::unordered_set<std::uint64_t> taken;
  for (std::uint64_t g = 0; g < groups; ++g) {
    const int size = 2 + static_cast<int>(r.below(4));
    for (int k = 0; k < size; ++k) {
      for (int attempt = 0; attempt < 8; ++attempt) {
        const std::uint64_t idx = (r.next() >> 11) % n;
        if (!taken.insert(idx).second) continue;
        out.members.emplace_back(idx, static_cast<std::uint32_t>(g));
        break;
      }
    }
    rng t(o.seed, stream_theme, g);
    group_theme th;
    th.coin = static_cast<int>(t.pick(m.popularity_cdf));
    th.sign = t.chance(0.6) ? 1.0 : -1.0;
    th.size_boost = t.log_uniform(1.0, 30.0);
    out.themes.push_back(th);
  }
  std::sort(out.members.begin(), out.members.end());
  return out;
}

// Account i (0-based; its id is a<i + 1>) as rows of the three files; `group` < 0: none.
void put_account(chunk_text& t, const market& m, std::uint64_t i, std::int64_t group, const account& a) {
  char id[32];
  const auto id_end = fmt::format_to_n(id, sizeof id, "a{:07d}", i + 1).out;
  const std::string_view account_id(id, static_cast<std::size_t>(id_end - id));
  put(t.accounts, account_id);
  put(t.accounts, a.portfolio ? ",portfolio," : ",cross,");
  if (group >= 0) fmt::format_to(std::back_inserter(t.accounts), "g{:05d}", group + 1);
  t.accounts.push_back('\n');
  for (const auto& b : a.balances) {
    put(t.balances, account_id);
    t.balances.push_back(',');
    put(t.balances, m.assets[b.asset].id);
    t.balances.push_back(',');
    put_number(t.balances, b.amount);
    t.balances.push_back('\n');
  }
  for (const auto& p : a.positions) {
    put(t.positions, account_id);
    t.positions.push_back(',');
    put(t.positions, m.instruments[p.inst].id);
    t.positions.push_back(',');
    put_number(t.positions, p.qty);
    t.positions.push_back(',');
    if (p.entry == p.entry) put_number(t.positions, p.entry);
    t.positions.push_back(',');
    if (p.isolated()) put_number(t.positions, p.iso);
    t.positions.push_back('\n');
  }
}

// Builds accounts [begin, end) into `t`, replacing what it held.
void build_chunk(const market& m, const affiliated_groups& groups, account_factory& builder, std::uint64_t begin,
                 std::uint64_t end, account& a, chunk_text& t) {
  t.accounts.clear();
  t.balances.clear();
  t.positions.clear();
  const auto& members = groups.members;
  auto member = std::lower_bound(members.begin(), members.end(), std::make_pair(begin, std::uint32_t{0}));
  for (std::uint64_t i = begin; i < end; ++i) {
    std::int64_t group = -1;
    while (member != members.end() && member->first < i) ++member;
    if (member != members.end() && member->first == i) group = member->second;
    builder.build(i, group >= 0 ? &groups.themes[static_cast<std::size_t>(group)] : nullptr, a);
    put_account(t, m, i, group, a);
  }
}

}  // namespace

void write_accounts(const market& m, const generate_options& o, const std::filesystem::path& dir) {
  const std::uint64_t n = o.accounts;
  const affiliated_groups groups = draw_groups(m, o);

  out_file accounts_file(dir / "accounts.csv");
  out_file balances_file(dir / "balances.csv");
  out_file positions_file(dir / "positions.csv");
  accounts_file.write("account,mode,group\n");
  balances_file.write("account,asset,amount\n");
  positions_file.write("account,instrument,qty,entry_price,isolated_margin\n");

  constexpr std::uint64_t chunk = 8192;
  const std::uint64_t chunks = (n + chunk - 1) / chunk;
  constexpr std::uint64_t batch = 64;  // chunks held in memory at once
  std::vector<chunk_text> text(std::min<std::uint64_t>(chunks, batch));

  for (std::uint64_t first = 0; first < chunks; first += batch) {
    const std::int64_t count = static_cast<std::int64_t>(std::min(batch, chunks - first));
    region_errors errors;  // formatting allocates: an exception must not leave the region
#pragma omp parallel
    {
      std::optional<account_factory> builder;
      errors.run([&] { builder.emplace(m, o); });
      account a;
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t c = 0; c < count; ++c) {
        errors.run([&] {
          const std::uint64_t begin = (first + static_cast<std::uint64_t>(c)) * chunk;
          build_chunk(m, groups, *builder, begin, std::min(n, begin + chunk), a, text[static_cast<std::size_t>(c)]);
        });
      }
    }
    errors.rethrow();
    for (std::int64_t c = 0; c < count; ++c) {
      const auto& t = text[static_cast<std::size_t>(c)];
      accounts_file.write(t.accounts);
      balances_file.write(t.balances);
      positions_file.write(t.positions);
    }
  }
  accounts_file.close();
  balances_file.close();
  positions_file.close();
}

}  // namespace riskscan::gen
