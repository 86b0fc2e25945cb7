#pragma once
// Output files that are never seen half-written, and output directories one run writes at a time.
//
// An output_file is written under a temporary name beside its final one (".NAME.PID-N.riskscan-tmp")
// and renamed into place only when complete, flushed and synced (commit()): a final name always
// holds a whole file, the previous one or the new one. A file not committed (an error, an
// exception) has its temporary removed when the object goes away, and on SIGINT, SIGTERM or
// SIGHUP once remove_temporaries_on_signal() has been called. Only SIGKILL or a crash can leave a
// temporary behind; output_directory removes those of earlier runs.
//
// Every failure is an output_error (exit 73) naming the final path and the operating system's
// reason: "cannot write out/accounts.csv: No space left on device".
#include <cstddef>
#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace riskscan {

class output_file {
 public:
  explicit output_file(std::filesystem::path final_path);
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  void write(std::string_view bytes);
  void write(const void* data, std::size_t size) { write(std::string_view(static_cast<const char*>(data), size)); }
  // Overwrites `size` bytes at `offset`, which write() has already passed (a header filled in last).
  void write_at(std::size_t offset, const void* data, std::size_t size);
  // Syncs the file, renames it over the final path and syncs the directory. Call once.
  void commit();

  const std::filesystem::path& path() const noexcept { return final_; }

 private:
  [[noreturn]] void fail(int err) const;
  std::filesystem::path final_;
  std::filesystem::path temp_;
  int fd_ = -1;
  int slot_ = -1;  // in the table of temporaries removed on a signal; -1 when the table was full
};

// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the temporaries of output files not
// yet committed, then end the process by the same signal. For the CLI; a host process that owns
// its signals (Python) does not call it.
void remove_temporaries_on_signal();

// A directory that a run writes a set of files into: `scan --out`. The constructor creates it if
// needed, takes an exclusive advisory lock on it (flock; a second run on the same directory fails
// at once with exit 73), checks that it can be written, and removes temporaries that a killed run
// left. begin_writing(names) then removes the last of the names, the marker (summary.json, which the
// caller writes last), so that from the moment anything of the new run is written the marker's
// presence means a finished set.
// A directory this object created is removed again if the run ends before finish(), when empty.
class output_directory {
 public:
  explicit output_directory(std::filesystem::path dir);
  ~output_directory();
  output_directory(const output_directory&) = delete;
  output_directory& operator=(const output_directory&) = delete;

  // `names`: the files the run writes, in order; the last is the marker.
  void begin_writing(std::initializer_list<std::string_view> names);
  void finish() noexcept { finished_ = true; }
  const std::filesystem::path& path() const noexcept { return dir_; }

 private:
  void release() noexcept;
  std::filesystem::path dir_;
  int fd_ = -1;
  bool created_ = false;
  bool finished_ = false;
};

}  // namespace riskscan
