#include "read_while_hashing.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "riskscan/error.hpp"
#include "riskscan/sha256.hpp"

namespace riskscan {
namespace {

// Small enough that the hashers start early, large enough that waking them costs nothing.
constexpr std::size_t piece = std::size_t{16} << 20;

// How much of the file has arrived, published by the reader to the hashers.
class arrivals {
 public:
  void publish(std::size_t bytes) {
    {
      const std::lock_guard lock(mutex_);
      arrived_ = bytes;
    }
    changed_.notify_all();
  }
  void finish() {
    {
      const std::lock_guard lock(mutex_);
      finished_ = true;
    }
    changed_.notify_all();
  }
  // Waits until more than `have` bytes have arrived and returns how many, or returns `have` once
  // the read has ended without them. The bytes below the value returned are final.
  std::size_t wait_beyond(std::size_t have) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return arrived_ > have || finished_; });
    return std::max(arrived_, have);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t arrived_ = 0;
  bool finished_ = false;
};

// Ends the read on every way out (a throw included), so that the hashing threads, which wait for
// more bytes until it ends, can be joined.
struct finish_on_exit {
  arrivals& a;
  ~finish_on_exit() { a.finish(); }
};

}  // namespace

hashed_file read_while_hashing(const std::filesystem::path& path, std::span<const std::size_t> from) {
  hashed_file out;
  csv::file& f = out.file;
  const csv::input_stream in = csv::open_input(path, f);
  std::error_code ec;
  const std::uintmax_t expected = std::filesystem::file_size(path, ec);
  if (ec) throw missing_input_error("cannot read input file " + f.path);
  const std::size_t capacity = static_cast<std::size_t>(expected) + 1;
  f.data = make_huge_page_bytes(capacity);
  const char* const data = f.data.get();

  std::vector<sha256> hashes(from.size());
  std::vector<bool> on_a_thread(from.size(), false);
  arrivals arrived;
  std::vector<std::jthread> hashers;
  const finish_on_exit ending{arrived};  // after `hashers`, so it runs before they are joined
  hashers.reserve(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    std::jthread t = try_start_thread([&arrived, &hash = hashes[i], data, have = from[i]]() mutable {
      for (std::size_t ready; (ready = arrived.wait_beyond(have)) > have; have = ready)
        hash.update(data + have, ready - have);
    });
    on_a_thread[i] = t.joinable();  // if not, hashed below, after the read
    if (t.joinable()) hashers.push_back(std::move(t));
  }
  std::size_t size = 0;
  while (size < capacity) {
    const std::size_t got = std::fread(f.data.get() + size, 1, std::min(piece, capacity - size), in.get());
    if (got == 0) break;
    size += got;
    arrived.publish(size);
  }
  if (std::ferror(in.get()) != 0) throw missing_input_error("cannot read input file " + f.path);
  f.size = size;
  arrived.finish();
  for (auto& h : hashers) h.join();
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (!on_a_thread[i] && from[i] < size) hashes[i].update(data + from[i], size - from[i]);
    out.digests.push_back(hashes[i].hex_digest());
  }
  return out;
}

}  // namespace riskscan
