#include "support/process.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace echo::test {

namespace {

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

void append(std::string& partial, std::vector<std::string>& lines, const char* data,
            std::size_t n) {
  partial.append(data, n);
  std::size_t start = 0;
  for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(partial.substr(start, nl - start));
  }
  partial.erase(0, start);
}

// A seccomp program: io_uring_setup fails with EPERM, everything else runs.
// Other architectures (and x32 calls) are let through untouched.
using DenyIoUringFilter = std::array<sock_filter, 7>;

DenyIoUringFilter deny_io_uring_filter() {
  return {{
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  }};
}

}  // namespace

Process::Process(const std::string& path, const std::vector<std::string>& args,
                 const SpawnOptions& options) {
  int out_pipe[2] = {-1, -1};
  int err_pipe[2];
  if ((options.stdout_path.empty() && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  const int in_fd = ::open(options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str(),
                           O_RDONLY | O_CLOEXEC);
  const int out_file =
      options.stdout_path.empty()
          ? -1
          : ::open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (in_fd < 0 || (!options.stdout_path.empty() && out_file < 0)) {
    throw std::runtime_error("cannot open the child's stdin/stdout file");
  }

  std::vector<std::string> argv_storage{path};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> env_storage = options.environment;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('=') + 1);
    const bool replaced =
        std::any_of(env_storage.begin(), env_storage.end(),
                    [&](const std::string& mine) { return mine.starts_with(name); });
    if (!replaced) env_storage.push_back(entry);
  }
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  DenyIoUringFilter filter = deny_io_uring_filter();
  const sock_fprog filter_program{static_cast<unsigned short>(filter.size()), filter.data()};

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (options.max_open_files) {
      rlimit limit{*options.max_open_files, *options.max_open_files};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (options.deny_io_uring) {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
          ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter_program) != 0) {
        ::_exit(126);
      }
    }
    ::dup2(in_fd, 0);
    ::dup2(out_file >= 0 ? out_file : out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (options.pass_fd == 3) {
      ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep FD_CLOEXEC
    } else if (options.pass_fd >= 0) {
      ::dup2(options.pass_fd, 3);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in_fd);
  if (out_file >= 0) ::close(out_file);
  if (out_pipe[1] >= 0) ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (out_pipe[0] < 0) out_.closed = true;
  pidfd_ = pidfd_open(pid_);
  reader_ = std::thread([this, out = out_pipe[0], err = err_pipe[0]] { read_loop(out, err); });
}

Process::~Process() {
  if (!exit_code_) {
    ::kill(pid_, SIGKILL);
    wait_exit(10s);
  }
  if (reader_.joinable()) reader_.join();
  if (pidfd_ >= 0) ::close(pidfd_);
}

void Process::send_signal(int signal_number) const {
  ::kill(pid_, signal_number);
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  pollfd pfd{pidfd_, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return std::nullopt;
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return std::nullopt;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

void Process::read_loop(int out_fd, int err_fd) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_count = (out_fd >= 0) + 1;
  char buffer[4096];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      std::lock_guard lock(mutex_);
      Stream& stream = i == 0 ? out_ : err_;
      if (n > 0) {
        append(stream.partial, stream.lines, buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        if (!stream.partial.empty()) stream.lines.push_back(stream.partial);
        stream.partial.clear();
        stream.closed = true;
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
      changed_.notify_all();
    }
  }
}

std::optional<std::string> Process::wait_for(Stream Process::*stream, const std::string& needle,
                                             std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t checked = 0;
  for (;;) {
    const Stream& s = this->*stream;
    for (; checked < s.lines.size(); ++checked) {
      if (s.lines[checked].find(needle) != std::string::npos) return s.lines[checked];
    }
    if (s.closed) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }
}

std::optional<std::string> Process::wait_for_stdout(const std::string& needle,
                                                    std::chrono::milliseconds timeout) {
  return wait_for(&Process::out_, needle, timeout);
}

std::optional<std::string> Process::wait_for_stderr(const std::string& needle,
                                                    std::chrono::milliseconds timeout) {
  return wait_for(&Process::err_, needle, timeout);
}

namespace {
std::string join(const std::vector<std::string>& lines, const std::string& partial) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text + partial;
}
}  // namespace

std::string Process::stdout_text() const {
  std::lock_guard lock(mutex_);
  return join(out_.lines, out_.partial);
}

std::string Process::stderr_text() const {
  std::lock_guard lock(mutex_);
  return join(err_.lines, err_.partial);
}

std::size_t Process::count_stderr(const std::string& needle) const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& line : err_.lines) count += line.find(needle) != std::string::npos;
  return count;
}

bool Process::wait_for_stderr_count(const std::string& needle, std::size_t count,
                                    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t checked = 0;
  std::size_t found = 0;
  for (;;) {
    for (; checked < err_.lines.size(); ++checked) {
      found += err_.lines[checked].find(needle) != std::string::npos;
    }
    if (found >= count) return true;
    if (err_.closed) return false;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) return false;
  }
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

}  // namespace echo::test
