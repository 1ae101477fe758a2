// Unix stream sockets named by a path: their address, a listener that replaces a
// stale socket file (never a live one, nor a file that is not a socket), and the
// owner that removes the socket file it bound.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.hpp"
#include "net/socket.hpp"
#include "net/unique_fd.hpp"

namespace echo::net {

// sun_path holds the path and its terminating NUL.
inline constexpr std::size_t kMaxUnixPathBytes = sizeof(sockaddr_un::sun_path) - 1;

// The address of the socket file at path; nullopt if the path is empty or too long.
std::optional<Address> unix_address(std::string_view path);

// Owns a bound socket file: removes it at destruction if the file at the path is
// still the one bound (same device and inode), so a file that another server put
// there since is left alone.
class SocketFile {
 public:
  SocketFile() = default;
  // Records the file now at path as the one to remove.
  explicit SocketFile(std::string path);
  SocketFile(SocketFile&& other) noexcept;
  SocketFile& operator=(SocketFile&& other) noexcept;
  SocketFile(const SocketFile&) = delete;
  SocketFile& operator=(const SocketFile&) = delete;
  ~SocketFile() { remove(); }

  [[nodiscard]] bool owns_file() const noexcept { return !path_.empty(); }
  void remove() noexcept;

 private:
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

struct UnixListener {
  UniqueFd fd;
  SocketFile file;
};

// socket + bind + chmod(mode) + listen, non-blocking and close-on-exec. A socket
// file already at path is replaced only if connecting to it is refused (its server
// is gone). On failure returns an empty listener and sets *error_code: -EADDRINUSE
// if something listens on path, -ENOTSOCK if path exists and is not a socket, else
// -errno.
UnixListener listen_unix(const std::string& path, const ListenOptions& options, mode_t mode,
                         int* error_code);

}  // namespace echo::net
