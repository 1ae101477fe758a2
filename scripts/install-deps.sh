#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with. As root it runs
# apt-get; otherwise it prints the exact command to run (and exits 1 if something
# is missing). Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(
  build-essential g++ clang cmake ninja-build pkg-config
  libcli11-dev libspdlog-dev libfmt-dev liburing-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libclang-rt-14-dev
  libssl-dev openssl
  clang-format clang-tidy
  strace
  haproxy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
