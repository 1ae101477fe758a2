#!/usr/bin/env bash
# Builds the reference peer servers for benchmarks into build/peers/: tokio-echo,
# asio-echo, epoll-min. Not part of the product (CMake and CI never build them).
# Installs the Debian packages they need when some are missing (apt-get as root,
# else through sudo). Safe to run again: rebuilds only what changed.
# Prints one line per peer; on failure, one line `peers: ...` and exit 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build/peers"
log="$out/build.log"

die() {
  echo "peers: $*" >&2
  exit 1
}

# cargo and rustc from Debian (not rustup), and tokio with its dependencies as
# Debian-packaged crates under /usr/share/cargo/registry (bookworm: tokio 1.24.2;
# the one package provides every tokio feature).
packages=(gcc g++ libasio-dev cargo rustc librust-tokio-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null ||
      die "missing Debian packages; run: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    sudo=(sudo)
  fi
  echo "peers: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >/dev/null || die "apt-get update failed"
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
fi

mkdir -p "$out"
: >"$log"

# needs_build OUTPUT INPUT...: true when OUTPUT is missing or older than an input.
needs_build() {
  local target=$1 input
  shift
  [ -x "$target" ] || return 0
  for input in "$@"; do
    [ "$input" -nt "$target" ] && return 0
  done
  return 1
}

# build NAME OUTPUT COMMAND...: runs COMMAND (output to the log), reports the time.
build() {
  local name=$1 target=$2 start
  shift 2
  start=$(date +%s)
  if ! "$@" >>"$log" 2>&1; then
    die "$name failed to build (full log: ${log#"$root"/})"
  fi
  echo "peers: $name -> ${target#"$root"/} (built in $(($(date +%s) - start))s)"
}

# tokio-echo. Cargo reads .cargo/config.toml (the Debian registry, offline) from
# the directory it runs in, hence the cd. Cargo is incremental, so it always runs.
cargo_target="$out/cargo-target"
tokio_build() (
  cd "$here/tokio" &&
    CARGO_HOME="$out/cargo-home" CARGO_TARGET_DIR="$cargo_target" RUSTC=/usr/bin/rustc \
      /usr/bin/cargo build --release --offline -j 2 &&
    cp "$cargo_target/release/tokio-echo" "$out/tokio-echo.tmp" &&
    mv -f "$out/tokio-echo.tmp" "$out/tokio-echo"
)
if needs_build "$out/tokio-echo" "$here/tokio/Cargo.toml" "$here/tokio/src/main.rs" \
  "$here/tokio/.cargo/config.toml" "$here/build.sh"; then
  build tokio-echo "$out/tokio-echo" tokio_build
else
  echo "peers: tokio-echo -> ${out#"$root"/}/tokio-echo (up to date)"
fi

if needs_build "$out/asio-echo" "$here/asio/asio_echo.cpp" "$here/build.sh"; then
  build asio-echo "$out/asio-echo" \
    g++ -std=c++20 -O2 -pthread -Wall -Wextra -o "$out/asio-echo" "$here/asio/asio_echo.cpp"
else
  echo "peers: asio-echo -> ${out#"$root"/}/asio-echo (up to date)"
fi

if needs_build "$out/epoll-min" "$here/epoll_min/epoll_min.c" "$here/build.sh"; then
  build epoll-min "$out/epoll-min" \
    gcc -std=c11 -O2 -pthread -Wall -Wextra -o "$out/epoll-min" "$here/epoll_min/epoll_min.c"
else
  echo "peers: epoll-min -> ${out#"$root"/}/epoll-min (up to date)"
fi
