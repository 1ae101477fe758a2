#!/usr/bin/env bash
# Reproduces the design measurements in docs/engines.md (a Release build first:
# cmake --preset release && cmake --build --preset release).
#   bench/design-measurements.sh accept   shared EPOLLEXCLUSIVE listener vs --reuseport
#   bench/design-measurements.sh logging  info-level connection logs vs warn (no per-connection lines)
#   bench/design-measurements.sh pipe     1 GiB through echo-client pipe mode, per engine
# ROUNDS (default 5) alternating runs per variant; prints every run, then medians.
# Everything goes to 127.0.0.1 and every run is bounded by its duration.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build/release}/src
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-4}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# shellcheck source=bench/lib.sh
. bench/lib.sh
# start_server CPUSET ARGS... : this build's echo-server on a free port
start_server() {
  local cpus=$1
  shift
  start_server_bin "$cpus" "$B/echo-server" "$@"
}

accept_mode() {
  echo "# accept: 2 event loops, echo-bench 2 threads, both unpinned (2 cores)"
  for round in $(seq "$ROUNDS"); do
    for variant in shared reuseport; do
      extra=()
      [ "$variant" = reuseport ] && extra=(--reuseport)
      start_server 0,1 --threads 2 --log-level warn "${extra[@]}"
      churn=$("$B/echo-bench" "127.0.0.1:$port" --reconnect -c 8 -t 2 -d "${SECONDS_PER_RUN}s" --json | json_field '["connections_per_s"]')
      stop_server
      start_server 0,1 --threads 2 --log-level warn "${extra[@]}"
      ping=$("$B/echo-bench" "127.0.0.1:$port" -c 1000 -t 2 -w 1s -d "${SECONDS_PER_RUN}s" --json | json_field '["messages_per_s"]')
      stop_server
      echo "$variant round=$round churn_conn_per_s=$churn pingpong1000_msg_per_s=$ping" | tee -a "$out/accept"
    done
  done
  for variant in shared reuseport; do
    c=$(grep "^$variant " "$out/accept" | sed 's/.*churn_conn_per_s=\([0-9.]*\).*/\1/' | median)
    p=$(grep "^$variant " "$out/accept" | sed 's/.*pingpong1000_msg_per_s=\([0-9.]*\).*/\1/' | median)
    echo "median $variant churn_conn_per_s=$c pingpong1000_msg_per_s=$p"
  done
}

logging_cost() {
  echo "# logging: server --threads 1 on core 0, echo-bench --reconnect on core 1"
  for round in $(seq "$ROUNDS"); do
    for level in info warn; do
      start_server 0 --threads 1 --log-level "$level"
      before=$(cpu_ticks "$server_pid")
      json=$(taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" --reconnect -c 8 -t 1 -d "${SECONDS_PER_RUN}s" --json)
      after=$(cpu_ticks "$server_pid")
      stop_server
      rate=$(echo "$json" | json_field '["connections_per_s"]')
      count=$(echo "$json" | json_field '["connections_completed"]')
      us_per_conn=$(python3 -c "print(round(($after-$before)/$(getconf CLK_TCK)/$count*1e6, 2))")
      echo "$level round=$round conn_per_s=$rate server_cpu_us_per_conn=$us_per_conn" | tee -a "$out/logging"
    done
  done
  for level in info warn; do
    r=$(grep "^$level " "$out/logging" | sed 's/.*conn_per_s=\([0-9.]*\).*/\1/' | median)
    u=$(grep "^$level " "$out/logging" | sed 's/.*server_cpu_us_per_conn=\([0-9.]*\).*/\1/' | median)
    echo "median $level conn_per_s=$r server_cpu_us_per_conn=$u"
  done
}

pipe_gib() {
  echo "# pipe: 1 GiB through echo-client pipe mode; server on core 0, client on core 1"
  head -c $((1 << 30)) /dev/urandom >"$out/in.bin"
  for round in $(seq "${ROUNDS}"); do
    for engine in blocking threads epoll uring; do
      start_server 0 --engine "$engine" --threads 1 --log-level warn
      t0=$(date +%s.%N)
      taskset -c 1 "$B/echo-client" "127.0.0.1:$port" <"$out/in.bin" >"$out/out.bin"
      t1=$(date +%s.%N)
      stop_server
      cmp -s "$out/in.bin" "$out/out.bin" || { echo "echo differs for $engine" >&2; exit 1; }
      echo "$engine round=$round seconds=$(python3 -c "print(round($t1-$t0, 3))")" | tee -a "$out/pipe"
    done
  done
  for engine in blocking threads epoll uring; do
    echo "median $engine seconds=$(grep "^$engine " "$out/pipe" | sed 's/.*seconds=//' | median)"
  done
}

case "${1:-}" in
  accept) accept_mode ;;
  logging) logging_cost ;;
  pipe) pipe_gib ;;
  *) sed -n '2,8p' "$0"; exit 2 ;;
esac
