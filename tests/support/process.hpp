// A child process for tests: the real echo-server or echo-client binary, with its
// stdout and stderr captured line by line, waited for with deadlines (pidfd +
// poll), and killed if a test ends early. No sleep anywhere.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace echo::test {

using namespace std::chrono_literals;

struct SpawnOptions {
  std::optional<rlim_t> max_open_files;  // RLIMIT_NOFILE for the child
  std::string stdin_path;                // empty = /dev/null
  std::string stdout_path;               // empty = captured through a pipe
  // The child's io_uring_setup fails with EPERM, as under a container's seccomp
  // profile: a seccomp filter installed between fork and exec (x86-64 only).
  bool deny_io_uring = false;
  // Added to (or replacing in) the inherited environment, NAME=VALUE each.
  std::vector<std::string> environment;
  // A descriptor the child gets as its fd 3 (a listening socket for a peer
  // that takes `fd@3`, as HAProxy's bind does); -1 = none.
  int pass_fd = -1;
};

// Splits captured output into lines (without their '\n').
std::vector<std::string> lines_of(const std::string& text);

class Process {
 public:
  Process(const std::string& path, const std::vector<std::string>& args,
          const SpawnOptions& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void send_signal(int signal_number) const;

  // Exit code (128 + N when killed by signal N), or nullopt if still running at the deadline.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running() const { return !exit_code_; }

  // Waits until a captured line (stdout or stderr) contains `needle`; returns it.
  std::optional<std::string> wait_for_stdout(const std::string& needle,
                                             std::chrono::milliseconds timeout);
  std::optional<std::string> wait_for_stderr(const std::string& needle,
                                             std::chrono::milliseconds timeout);
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Counts captured stderr lines containing needle.
  std::size_t count_stderr(const std::string& needle) const;
  // Waits until at least `count` captured stderr lines contain needle; false
  // if the deadline (or the end of the output) comes first.
  bool wait_for_stderr_count(const std::string& needle, std::size_t count,
                             std::chrono::milliseconds timeout);

 private:
  struct Stream {
    std::vector<std::string> lines;
    std::string partial;
    bool closed = false;
  };
  void read_loop(int out_fd, int err_fd);
  std::optional<std::string> wait_for(Stream Process::*stream, const std::string& needle,
                                      std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Stream out_;
  Stream err_;
  std::thread reader_;
};

}  // namespace echo::test
