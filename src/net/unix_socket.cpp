#include "net/unix_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace echo::net {

std::optional<Address> unix_address(std::string_view path) {
  if (path.empty() || path.size() > kMaxUnixPathBytes) return std::nullopt;
  Address address;
  auto* un = reinterpret_cast<sockaddr_un*>(&address.storage);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  address.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return address;
}

SocketFile::SocketFile(std::string path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return;
  path_ = std::move(path);
  device_ = status.st_dev;
  inode_ = status.st_ino;
}

SocketFile::SocketFile(SocketFile&& other) noexcept
    : path_(std::exchange(other.path_, {})), device_(other.device_), inode_(other.inode_) {}

SocketFile& SocketFile::operator=(SocketFile&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, {});
    device_ = other.device_;
    inode_ = other.inode_;
  }
  return *this;
}

void SocketFile::remove() noexcept {
  if (path_.empty()) return;
  struct stat status {};
  if (::lstat(path_.c_str(), &status) == 0 && status.st_dev == device_ && status.st_ino == inode_)
    ::unlink(path_.c_str());
  path_.clear();
}

namespace {

// Whether a socket file is left over from a server that is gone: connecting to it
// is refused. Returns 0 once the path is free to bind (a stale file removed, or
// the file gone meanwhile), -EADDRINUSE if a server answers (or its backlog is
// full), -ENOTSOCK if the path is not a socket, else -errno.
int remove_if_stale(const std::string& path, const Address& address) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return errno == ENOENT ? 0 : -errno;
  if (!S_ISSOCK(status.st_mode)) return -ENOTSOCK;

  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe) return -errno;
  int result = 0;
  do {
    result = ::connect(probe.get(), address.sa(), address.length) == 0 ? 0 : -errno;
  } while (result == -EINTR);
  if (result == 0 || result == -EAGAIN) return -EADDRINUSE;
  if (result == -ENOENT) return 0;
  if (result != -ECONNREFUSED) return result;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return -errno;
  return 0;
}

}  // namespace

UnixListener listen_unix(const std::string& path, const ListenOptions& options, mode_t mode,
                         int* error_code) {
  UnixListener listener;
  const auto address = unix_address(path);
  auto fail = [&](int error) {
    if (error_code) *error_code = error;
    return UnixListener{};  // closes the socket and removes a file it bound
  };
  if (!address) return fail(-ENAMETOOLONG);

  listener.fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.fd) return fail(-errno);
  if (::bind(listener.fd.get(), address->sa(), address->length) != 0) {
    if (errno != EADDRINUSE) return fail(-errno);
    // Once: a second EADDRINUSE means another server took the path meanwhile.
    if (const int stale = remove_if_stale(path, *address); stale != 0) return fail(stale);
    if (::bind(listener.fd.get(), address->sa(), address->length) != 0) return fail(-errno);
  }
  listener.file = SocketFile(path);
  // The new file's mode is the socket inode's mode less the umask, so an fchmod
  // before bind cannot grant bits the umask takes away, and changing the umask
  // around bind would change it for every thread. chmod after bind is exact, and
  // doing it before listen() leaves no moment in which a client could connect
  // under other permissions: until then every connect is refused.
  if (::chmod(path.c_str(), mode) != 0) return fail(-errno);
  if (::listen(listener.fd.get(), options.backlog) != 0) return fail(-errno);
  if (error_code) *error_code = 0;
  return listener;
}

}  // namespace echo::net
