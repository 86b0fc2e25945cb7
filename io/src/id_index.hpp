#pragma once
// The ID tables of the snapshot loader: each maps the IDs of one table (accounts, instruments,
// assets, ...) to their row index. Keys are views into the loaded files, which outlive the table.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "riskscan/book.hpp"
#include "riskscan/huge_pages.hpp"

namespace riskscan {

// Open addressing with linear probing. A slot is 8 bytes: 32 bits of the hash and the row index;
// the key and its line are kept by index beside the slots. Ten million accounts take 256 MiB of
// slots (32-byte slots holding the key took 1 GiB, and a slot's TLB miss was then the top of the
// load's profile). A new key is placed after reading slots only: a slot whose 32 hash bits match
// is the only one whose key bytes are compared.
class id_index {
 public:
  struct entry {
    std::int32_t index;
    std::size_t line;
  };

  // IDs are short: mix 8 bytes at a time (multiply, xor-shift), then fold the high bits down
  // because the slot is taken from the low bits.
  static std::uint64_t hash(std::string_view id) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ id.size();
    std::size_t i = 0;
    for (; i + 8 <= id.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, id.data() + i, 8);
      h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 31;
    }
    if (i < id.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, id.data() + i, id.size() - i);
      h = (h ^ w) * 0x94d049bb133111ebULL;
      h ^= h >> 29;
    }
    return h ^ (h >> 32);
  }

  // Room for n keys at indices below n, so that inserting them never rehashes.
  void reserve(std::size_t n) {
    if (2 * n > slots_.size()) rehash(std::bit_ceil(std::max<std::size_t>(2 * n, 16)));
    keys_.reserve(n);
    lines_.reserve(n);
  }

  // Adds `id` for row `index`; if it is already there, returns the earlier entry instead.
  // `h` = hash(id), which callers may compute ahead (on the parsing threads). Indices need not be
  // contiguous: a row without a key leaves its index unused.
  std::optional<entry> insert(std::string_view id, std::int32_t index, std::size_t line) {
    return insert(id, hash(id), index, line);
  }
  std::optional<entry> insert(std::string_view id, std::uint64_t h, std::int32_t index, std::size_t line) {
    if (2 * (size_ + 1) > slots_.size()) rehash(std::max<std::size_t>(16, 2 * slots_.size()));
    slot& s = probe(id, h);
    if (s.index != no_index) return entry{s.index, lines_[static_cast<std::size_t>(s.index)]};
    s = {tag(h), index};
    const auto i = static_cast<std::size_t>(index);
    if (i >= keys_.size()) {
      keys_.resize(i + 1);
      lines_.resize(i + 1);
    }
    keys_[i] = id;
    lines_[i] = line;
    ++size_;
    return std::nullopt;
  }

  std::int32_t find(std::string_view id) const { return find(id, hash(id)); }

  // find() of every ID of a batch: out[i] = find(ids[i]). One lookup among ten million keys waits
  // on three dependent cache misses: the slot, the key's view, the key's bytes. Taken stage by
  // stage over a batch (prefetch every slot, then every view, then every key) the misses of many
  // lookups overlap instead of following one another.
  void find_batch(std::span<const std::string_view> ids, std::span<std::int32_t> out) const {
    for (std::size_t begin = 0; begin < ids.size(); begin += max_batch) {
      const std::size_t n = std::min(max_batch, ids.size() - begin);
      find_batch_of(ids.subspan(begin, n), out.subspan(begin, n));
    }
  }

  // The key of row `index`; empty where that row added none (no key, or a repeated one).
  std::string_view key(std::int32_t index) const {
    const auto i = static_cast<std::size_t>(index);
    return i < keys_.size() ? keys_[i] : std::string_view();
  }

  // Starts loading the slot of a hash that will be inserted soon: ten million random slot writes
  // are cache misses, and overlapping them speeds up the serial build of the account index.
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)], 1);
  }
  std::size_t size() const { return size_; }

  // False when the table's key column is missing: every reference would be "unknown", which
  // says nothing the header problem did not.
  bool complete = true;

 private:
  struct slot {
    std::uint32_t tag = 0;
    std::int32_t index = no_index;  // no_index: empty slot
  };
  // The high half: the low bits pick the slot, so they would match in every slot probed.
  static std::uint32_t tag(std::uint64_t h) { return static_cast<std::uint32_t>(h >> 32); }

  // Enough lookups in flight to keep the core's fill buffers busy; the hashes stay on the stack.
  static constexpr std::size_t max_batch = 256;

  std::int32_t find(std::string_view id, std::uint64_t h) const {
    if (slots_.empty()) return no_index;
    return const_cast<id_index*>(this)->probe(id, h).index;
  }
  void find_batch_of(std::span<const std::string_view> ids, std::span<std::int32_t> out) const {
    if (slots_.empty()) {
      std::fill(out.begin(), out.end(), no_index);
      return;
    }
    const std::size_t mask = slots_.size() - 1;
    std::uint64_t h[max_batch];
    for (std::size_t i = 0; i < ids.size(); ++i) {
      h[i] = hash(ids[i]);
      __builtin_prefetch(&slots_[h[i] & mask]);
    }
    // The candidate: the row of the home slot when its tag matches (at load <= 1/2, mostly it).
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const slot& s = slots_[h[i] & mask];
      out[i] = s.tag == tag(h[i]) ? s.index : no_index;
      if (out[i] != no_index) __builtin_prefetch(&keys_[static_cast<std::size_t>(out[i])]);
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (out[i] != no_index) __builtin_prefetch(keys_[static_cast<std::size_t>(out[i])].data());
    }
    // Where the candidate is not the key, probe as find() does: the next slots share a cache line.
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (out[i] == no_index || keys_[static_cast<std::size_t>(out[i])] != ids[i]) out[i] = find(ids[i], h[i]);
    }
  }

  // The slot holding `id`, or the empty slot where it would go. Needs a free slot (load <= 1/2).
  slot& probe(std::string_view id, std::uint64_t h) {
    const std::size_t mask = slots_.size() - 1;
    const std::uint32_t t = tag(h);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      slot& s = slots_[i];
      if (s.index == no_index || (s.tag == t && keys_[static_cast<std::size_t>(s.index)] == id)) return s;
    }
  }
  void rehash(std::size_t capacity) {
    huge_page_vector<slot> old(capacity);
    old.swap(slots_);
    for (const slot& s : old) {
      if (s.index == no_index) continue;
      const std::string_view id = keys_[static_cast<std::size_t>(s.index)];
      probe(id, hash(id)) = s;  // a slot keeps only the high half of the hash: rehash the key
    }
  }

  huge_page_vector<slot> slots_;
  huge_page_vector<std::string_view> keys_;  // by index
  huge_page_vector<std::size_t> lines_;      // by index: the line that added the key
  std::size_t size_ = 0;
};

// Looks IDs up in an id_index for one slice (thread). Balances and positions are usually grouped
// by account in account order, so it first tries the row before's account, then (while the file
// looks ordered) the next few accounts, which may have no rows here, and only then hashes: a
// hashed lookup among ten million accounts is a cache miss, comparing the next keys is not. The
// ordered guess is dropped as soon as the hash finds an account further away: in a shuffled file
// it would cost a few comparisons per row for nothing.
class cached_lookup {
 public:
  explicit cached_lookup(const id_index& ids) : complete(ids.complete), ids_(&ids) {}
  std::int32_t find(std::string_view id) {
    if (const auto hit = recall(id)) return *hit;
    return learn(id, ids_->find(id));
  }
  // The index of `id` where the cache knows it without hashing: the last ID found or, while the
  // file looks ordered, one of the next few. nullopt otherwise.
  std::optional<std::int32_t> recall(std::string_view id) {
    if (last_ != no_index && id == last_id_) return last_;
    if (in_order_ && last_ != no_index) {
      for (std::int32_t step = 1; step <= max_skip; ++step) {
        if (ids_->key(last_ + step) == id) {
          last_id_ = id;
          return last_ += step;
        }
      }
    }
    return std::nullopt;
  }
  // Takes in a hashed lookup's answer: the file looks ordered while each is a few rows ahead.
  std::int32_t learn(std::string_view id, std::int32_t found) {
    in_order_ = found != no_index && found > last_ && found - last_ <= max_skip;
    last_id_ = id;
    return last_ = found;
  }
  // Starts again from `id` at `found` as if the file looked ordered: the next miss is hashed at
  // once, and its answer decides.
  void restart(std::string_view id, std::int32_t found) {
    last_id_ = id;
    last_ = found;
    in_order_ = true;
  }
  bool ordered() const { return in_order_; }
  bool complete;

 private:
  static constexpr std::int32_t max_skip = 4;  // accounts without rows passed over in order
  const id_index* ids_;
  std::string_view last_id_;
  std::int32_t last_ = no_index;
  bool in_order_ = true;
};

// A cached_lookup for files that may be shuffled. Where the cache misses and the file does not
// look ordered, an ID waits in a queue with its row, and a full queue is looked up with
// find_batch: a shuffled file of twenty million rows spent most of its load on hashed lookups,
// each waiting on its own cache misses. The caller takes the queued answers with resolve().
class batched_lookup {
 public:
  static constexpr std::int32_t queued = -2;  // find()'s answer for an ID that waits
  static constexpr std::size_t batch = 256;

  explicit batched_lookup(const id_index& ids) : complete(ids.complete), ids_(&ids), cache_(ids) {}

  // The index of `id` (no_index when unknown) when it is found at once; else `queued`, and
  // resolve() gives its answer for `row` later.
  std::int32_t find(std::string_view id, std::size_t row) {
    if (const auto hit = cache_.recall(id)) return *hit;
    if (cache_.ordered()) return cache_.learn(id, ids_->find(id));
    ids_waiting_.push_back(id);
    rows_waiting_.push_back(row);
    return queued;
  }
  bool full() const { return ids_waiting_.size() >= batch; }

  // Looks up every queued ID: done(row, id, index) for each, in the order queued; then the queue
  // is empty. The cache starts again from the last answer, so a file that is ordered after all
  // (one stray row early on) returns to the cheaper cached path.
  template <class Done>
  void resolve(Done&& done) {
    if (ids_waiting_.empty()) return;
    found_.resize(ids_waiting_.size());
    ids_->find_batch(ids_waiting_, found_);
    for (std::size_t i = 0; i < found_.size(); ++i) done(rows_waiting_[i], ids_waiting_[i], found_[i]);
    cache_.restart(ids_waiting_.back(), found_.back());
    ids_waiting_.clear();
    rows_waiting_.clear();
  }
  bool complete;

 private:
  const id_index* ids_;
  cached_lookup cache_;
  std::vector<std::string_view> ids_waiting_;
  std::vector<std::size_t> rows_waiting_;
  std::vector<std::int32_t> found_;
};

}  // namespace riskscan
