#include "riskscan/output_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/core.h>

#include "riskscan/error.hpp"

namespace riskscan {
namespace {

constexpr std::string_view temp_suffix = ".riskscan-tmp";

// The temporaries of output files not yet committed, for the signal handler: it may call only
// async-signal-safe functions, so the paths sit in fixed buffers and a slot's state is a lock-free
// atomic (0 free, 1 being filled, 2 holds a path to remove).
struct temp_slot {
  std::atomic<int> state{0};
  char path[PATH_MAX];
};
constexpr int slot_count = 32;
temp_slot slots[slot_count];

int claim_slot(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < slot_count; ++i) {
    int expected = 0;
    if (slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
      slots[i].state.store(2);
      return i;
    }
  }
  return -1;  // more files open at once than slots: that one is not removed on a signal
}

void release_slot(int i) {
  if (i >= 0) slots[i].state.store(0);
}

extern "C" void remove_temporaries_and_die(int sig) {
  for (temp_slot& slot : slots) {
    if (slot.state.load() == 2) ::unlink(slot.path);
  }
  // SA_RESETHAND restored the default action; the signal is delivered when the handler returns.
  ::raise(sig);
}

std::string os_reason(int err) { return std::error_code(err, std::generic_category()).message(); }

std::filesystem::path temp_path_for(const std::filesystem::path& final_path) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = final_path.has_parent_path() ? final_path.parent_path() : ".";
  return dir / fmt::format(".{}.{}-{}{}", final_path.filename().string(), ::getpid(), counter++, temp_suffix);
}

// Makes a rename or removal in `dir_fd` durable. File systems that cannot sync a directory say
// EINVAL; nothing more can be done there.
void sync_directory(int dir_fd, const std::filesystem::path& named) {
  if (::fsync(dir_fd) != 0 && errno != EINVAL && errno != EROFS)
    throw output_error(fmt::format("cannot write {}: {}", named.string(), os_reason(errno)));
}

}  // namespace

output_file::output_file(std::filesystem::path final_path)
    : final_(std::move(final_path)), temp_(temp_path_for(final_)) {
  // The rename replaces whatever is at the final path. Only a regular file (an older output) may be
  // replaced: a device or a FIFO named by mistake (/dev/full, /dev/sdb, as root) is refused, not
  // swapped for a file, and a directory is refused before anything is written beside it.
  std::error_code ignored;
  const auto existing = std::filesystem::status(final_, ignored);
  if (std::filesystem::exists(existing) && !std::filesystem::is_regular_file(existing))
    throw output_error(fmt::format("cannot write {}: it exists and is not a regular file", final_.string()));
  // Registered before it exists, so that a signal at any moment finds it.
  slot_ = claim_slot(temp_.string());
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int err = errno;
    release_slot(slot_);
    fail(err);
  }
}

output_file::~output_file() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_.c_str());
  }
  release_slot(slot_);
}

void output_file::fail(int err) const {
  throw output_error(fmt::format("cannot write {}: {}", final_.string(), os_reason(err)));
}

void output_file::write(std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void output_file::write_at(std::size_t offset, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, p, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno);
    }
    p += n;
    offset += static_cast<std::size_t>(n);
    size -= static_cast<std::size_t>(n);
  }
}

void output_file::commit() {
  if (::fsync(fd_) != 0 && errno != EINVAL) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    fail(err);
  }
  if (::rename(temp_.c_str(), final_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    fail(err);
  }
  release_slot(slot_);
  slot_ = -1;
  const std::filesystem::path dir = final_.has_parent_path() ? final_.parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return;  // renamed; only its durability is left to the file system
  try {
    sync_directory(dir_fd, final_);
  } catch (...) {
    ::close(dir_fd);
    throw;
  }
  ::close(dir_fd);
}

void remove_temporaries_on_signal() {
  struct sigaction action {};
  action.sa_handler = remove_temporaries_and_die;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &action, nullptr);
}

output_directory::output_directory(std::filesystem::path dir) : dir_(std::move(dir)) {
  auto fail = [this](const std::string& reason) {
    throw output_error(fmt::format("cannot write {}: {}", dir_.string(), reason));
  };
  std::error_code ec;
  const auto status = std::filesystem::status(dir_, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status))
    fail("it exists and is not a directory");
  if (!std::filesystem::exists(status)) {
    created_ = std::filesystem::create_directories(dir_, ec);
    if (ec) fail("cannot create the directory: " + ec.message());
  }
  fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (created_) ::rmdir(dir_.c_str());
    fail(os_reason(err));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    release();
    fail(err == EWOULDBLOCK
             ? "another riskscan run is writing this directory (it is locked); wait for it or choose another --out"
             : os_reason(err));
  }
  if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
    const int err = errno;
    release();  // the destructor does not run for a constructor that throws
    fail(os_reason(err));
  }
}

output_directory::~output_directory() { release(); }

void output_directory::release() noexcept {
  if (fd_ < 0) return;
  if (created_ && !finished_) ::rmdir(dir_.c_str());  // only when empty
  ::close(fd_);
  fd_ = -1;
}

void output_directory::begin_writing(std::initializer_list<std::string_view> names) {
  // Temporaries of these files that a killed run left behind (no other run writes here: the lock).
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(temp_suffix)) continue;
    for (const std::string_view n : names) {
      if (name.starts_with(fmt::format(".{}.", n))) ::unlink(entry.path().c_str());
    }
  }
  const std::filesystem::path marker = dir_ / std::string(*(names.end() - 1));
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT)
    throw output_error(fmt::format("cannot write {}: {}", marker.string(), os_reason(errno)));
  sync_directory(fd_, marker);
}

}  // namespace riskscan
