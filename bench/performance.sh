#!/usr/bin/env bash
# Reproduces docs/performance.md (a Release build first:
# cmake --preset release && cmake --build --preset release).
#   bench/performance.sh pingpong   64-byte ping-pong, 50 and 1000 connections
#   bench/performance.sh stream     bulk streams (64 KiB writes), 1 and 8 connections:
#                                   server capacity, echo-bench --stream --discard (the
#                                   echo is counted, dropped in the kernel, not verified);
#                                   STREAM_VERIFY=1: verified instead (stream1_verified,
#                                   stream8_verified: the load generator's core caps them)
#   bench/performance.sh churn      connect, echo 64 bytes, close; 8 at a time, spread
#                                   over CHURN_SOURCES; also echo-bench's own CPU
#   bench/performance.sh proxy      churn through a PROXY listener: each variant's server on
#                                   tcp+proxy://, echo-bench --reconnect --proxy-header v2 with
#                                   PROXY_SOURCES claimed (churn_proxy_v2), alternating with
#                                   plain churn on a plain listener (churn_plain)
#   bench/performance.sh syscalls   each variant under strace -c -f for SYSCALL_CONNECTIONS
#                                   churn connections: system calls per connection
#   bench/performance.sh idle       server RSS per idle connection, 1,000 -> 10,000
#   bench/performance.sh latency    p50/p99/p99.9, open loop at half the lowest
#                                   closed-loop maximum of the variants (50 x 64 B)
#   bench/performance.sh unpinned   pingpong 1000 and stream 8, nothing pinned,
#                                   UNPINNED_THREADS (2) server and echo-bench threads
#   bench/performance.sh capacity   CAPACITY (19000) held connections: server RSS and
#                                   kernel memory per connection (slow: not in all)
#   bench/performance.sh all        all but capacity, in that order (syscalls last)
# The server runs one event loop pinned to core 0, echo-bench one thread pinned
# to core 1 (except in unpinned). VARIANTS lists the servers to compare,
# "label=command;..." (each command gets --listen 127.0.0.1:0 and must print
# "listening on ADDR:PORT"; default: this build's epoll and uring engines, with
# $OURS below). BASELINE=LABEL: the variant the summary's ratios are against
# (default: the first). ROUNDS (default 5;
# capacity: 1) alternating rounds; each run starts a fresh server. Everything
# goes to 127.0.0.0/8; every run is bounded (by its duration or timeouts).
# RESULTS=FILE keeps every round's record there too (one line per run: WORKLOAD
# VARIANT round=N NAME=VALUE...), for bench/compare.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build/release}/src
if [ "${1:-}" = capacity ]; then
  ROUNDS=${ROUNDS:-1}  # 19,000 connections a run: one round unless asked
fi
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
IDLE_COUNTS=${IDLE_COUNTS:-1000,10000}
# latency: seconds of the closed-loop run that finds each variant's maximum.
LATENCY_PROBE_SECONDS=${LATENCY_PROBE_SECONDS:-2}
# unpinned: server threads (replacing a variant's "--threads 1") and echo-bench's.
UNPINNED_THREADS=${UNPINNED_THREADS:-2}
# capacity: connections held (one client process holds them all, and it too has
# the descriptor limit, 20,000 here: at most about 19,990), and their sources.
CAPACITY=${CAPACITY:-19000}
CAPACITY_SOURCES=${CAPACITY_SOURCES:-127.0.0.2-127.0.0.5}
# stream: 1 = verify every echoed byte (the load generator's cost) instead of --discard.
STREAM_VERIFY=${STREAM_VERIFY:-0}
# churn: echo-bench's source addresses. With one source the connects' port search
# walks the client's TIME_WAIT sockets (bench/results/2026-12-01-churn-cap/).
CHURN_SOURCES=${CHURN_SOURCES:-127.0.0.2-127.0.0.254}
# proxy: the clients each connection's PROXY header claims, one after another.
PROXY_SOURCES=${PROXY_SOURCES:-10.0.0.1-10.0.255.255:1024-65535}
# syscalls: churn connections per variant under strace.
SYSCALL_CONNECTIONS=${SYSCALL_CONNECTIONS:-2000}
# capacity: seconds the connections stay idle between "ready" and the peak
# snapshot, past the uring engine's parking threshold (1 s; a connection parks
# after 1 to 2 s of silence: engines/uring/parking.hpp), so that what is
# measured is an idle connection's steady state.
CAPACITY_SETTLE_SECONDS=${CAPACITY_SETTLE_SECONDS:-3}
# Our server's settings for every run: one event loop, no per-connection logs.
OURS="--threads 1 --log-level warn --max-connections 20000"
VARIANTS=${VARIANTS:-"epoll=$B/echo-server --engine epoll $OURS;uring=$B/echo-server --engine uring $OURS"}
out=$(mktemp -d)
# traced_pid: a server under strace (syscalls), which strace's own end would leave running.
traced_pid=""
trap 'kill $traced_pid $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

IFS=';' read -r -a variants <<<"$VARIANTS"
label() { echo "${1%%=*}"; }
command_of() { echo "${1#*=}"; }

# start_variant VARIANT [CPUSET [THREADS]] : the variant's server (its command
# plus --listen) on CPUSET (default core 0); THREADS replaces a "--threads 1"
# (or "-t 1", "--threads=1") in the command, which otherwise runs as is.
start_variant() {
  local -a cmd
  local i
  read -r -a cmd <<<"$(command_of "$1")"
  if [ -n "${3:-}" ]; then
    for i in "${!cmd[@]}"; do
      if [[ ${cmd[i]} == --threads || ${cmd[i]} == -t ]] && [ "${cmd[i + 1]:-}" = 1 ]; then
        cmd[i + 1]=$3
      elif [ "${cmd[i]}" = --threads=1 ]; then
        cmd[i]=--threads=$3
      fi
    done
  fi
  start_server_bin "${2:-0}" "${cmd[0]}" "${cmd[@]:1}"
}

# every CPU this script may run on (its affinity list, e.g. 0-1), for unpinned runs
all_cpus() { taskset -pc $$ | sed 's/.*: //'; }

bench() { bench_for "$SECONDS_PER_RUN" "$@"; }

# bench_for SECONDS ARGS... : echo-bench, one thread on core 1, 1 s warm-up, JSON
bench_for() {
  local seconds=$1
  shift
  checked taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" -t 1 -w 1s -d "${seconds}s" --json "$@"
}

# checked COMMAND... : runs an echo-bench command line and prints its JSON; when
# it fails, says why on stderr (exit status, error samples) and exits 1, so a
# workload never ends without a word.
checked() {
  local json status=0
  json=$("$@") || status=$?
  if [ "$status" -ne 0 ]; then
    echo "performance.sh: $* exited $status: $(echo "$json" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
    print(d["errors"], "; ".join(d["error_samples"]))
except ValueError:
    print("(no report)")')" >&2
    exit 1
  fi
  echo "$json"
}

# bench_unpinned ARGS... : echo-bench with UNPINNED_THREADS threads on any CPU
bench_unpinned() {
  checked "$B/echo-bench" "127.0.0.1:$port" -t "$UNPINNED_THREADS" -w 1s -d "${SECONDS_PER_RUN}s" --json "$@"
}

# server_cpu_us BEFORE AFTER JSON : the server's CPU time (user + system, all its
# threads, from /proc) per message; the ticks span the warm-up too, so the
# messages are scaled by (warm-up + window) / window.
server_cpu_us() {
  echo "$3" | python3 -c "
import json, sys
d = json.load(sys.stdin)
messages = d['messages'] * (d['warmup_s'] + d['window_s']) / max(d['window_s'], 1e-9)
print(round(($2 - $1) / $(getconf CLK_TCK) / max(messages, 1) * 1e6, 2))"
}

# server_cpu_s_per_gb BEFORE AFTER JSON : the same, per GB echoed
server_cpu_s_per_gb() {
  echo "$3" | python3 -c "
import json, sys
d = json.load(sys.stdin)
gb = d['bytes_received'] * (d['warmup_s'] + d['window_s']) / max(d['window_s'], 1e-9) / 1e9
print(round(($2 - $1) / $(getconf CLK_TCK) / max(gb, 1e-9), 3))"
}

# record WORKLOAD VARIANT ROUND NAME=VALUE...
record() {
  local workload=$1 variant=$2 round=$3
  shift 3
  echo "$workload $variant round=$round $*" | tee -a "$out/results" ${RESULTS:+"$RESULTS"}
}

pingpong() {
  for round in $(seq "$ROUNDS"); do
    for connections in 50 1000; do
      for v in "${variants[@]}"; do
        start_variant "$v"
        before=$(cpu_ticks "$server_pid")
        json=$(bench -c "$connections" -s 64)
        after=$(cpu_ticks "$server_pid")
        stop_server
        record "pingpong$connections" "$(label "$v")" "$round" \
          "msg_per_s=$(echo "$json" | json_field '["messages_per_s"]')" \
          "server_cpu_us_per_msg=$(server_cpu_us "$before" "$after" "$json")" \
          "p50_us=$(echo "$json" | json_field '["latency_ns"]["p50"] / 1000')" \
          "p99_us=$(echo "$json" | json_field '["latency_ns"]["p99"] / 1000')"
      done
    done
  done
}

# stream: --discard (server capacity) unless STREAM_VERIFY=1. The verifying runs
# are recorded as streamN_verified, so the two kinds never share a table.
stream_args() {
  if [ "$STREAM_VERIFY" = 1 ]; then echo --stream; else echo --stream --discard; fi
}
stream_suffix() { if [ "$STREAM_VERIFY" = 1 ]; then echo _verified; fi; }

stream() {
  local -a args
  read -r -a args <<<"$(stream_args)"
  for round in $(seq "$ROUNDS"); do
    for connections in 1 8; do
      for v in "${variants[@]}"; do
        start_variant "$v"
        before=$(cpu_ticks "$server_pid")
        json=$(bench "${args[@]}" -c "$connections" -s 64K)
        after=$(cpu_ticks "$server_pid")
        stop_server
        record "stream$connections$(stream_suffix)" "$(label "$v")" "$round" \
          "mb_per_s=$(echo "$json" | json_field '["mb_per_s_received"]')" \
          "server_cpu_s_per_gb=$(server_cpu_s_per_gb "$before" "$after" "$json")"
      done
    done
  done
}

# churn: echo-bench --reconnect, 8 connections at a time, one thread on core 1,
# bound to CHURN_SOURCES round robin. Besides the server's CPU per connection it
# records echo-bench's (bench_cpu_us_per_conn) and how busy its core was
# (bench_cpu_share, CPU seconds / wall seconds): near 1.0 means the load
# generator, not the server, set the rate. On loopback the client's core also
# runs the handshake of the server's side (the SYN and the final ACK are
# processed in the sending core's softirq), so a lean server's core is the
# less busy one: compare the CPU per connection, not only the rate.
churn() {
  local start end
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      start_variant "$v"
      before=$(cpu_ticks "$server_pid")
      start=$(date +%s.%N)
      json=$(checked run_timed "$out/bench-cpu" taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" -t 1 -w 1s \
        -d "${SECONDS_PER_RUN}s" --json --reconnect -c 8 -s 64 --source "$CHURN_SOURCES")
      end=$(date +%s.%N)
      after=$(cpu_ticks "$server_pid")
      stop_server
      record churn "$(label "$v")" "$round" \
        "conn_per_s=$(echo "$json" | json_field '["connections_per_s"]')" \
        "server_cpu_us_per_conn=$(server_cpu_us "$before" "$after" "$json")" \
        "bench_cpu_us_per_conn=$(bench_cpu_us_per_conn "$(cat "$out/bench-cpu")" "$json")" \
        "bench_cpu_share=$(python3 -c "print(round($(cat "$out/bench-cpu") / ($end - $start), 2))")"
    done
  done
}

# proxy: as churn, with the server's listener a PROXY one and every connection
# sending a v2 header first, against plain churn, alternating in each round.
proxy() {
  local mode listen
  local -a extra
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      for mode in plain proxy_v2; do
        extra=()
        listen=""
        if [ "$mode" = proxy_v2 ]; then
          listen=tcp+proxy://
          extra=(--proxy-header v2 --proxy-source "$PROXY_SOURCES")
        fi
        LISTEN_PREFIX=$listen start_variant "$v"
        before=$(cpu_ticks "$server_pid")
        json=$(checked taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" -t 1 -w 1s \
          -d "${SECONDS_PER_RUN}s" --json --reconnect -c 8 -s 64 --source "$CHURN_SOURCES" \
          "${extra[@]}")
        after=$(cpu_ticks "$server_pid")
        stop_server
        record "churn_$mode" "$(label "$v")" "$round" \
          "conn_per_s=$(echo "$json" | json_field '["connections_per_s"]')" \
          "server_cpu_us_per_conn=$(server_cpu_us "$before" "$after" "$json")"
      done
    done
  done
}

# bench_cpu_us_per_conn CPU_SECONDS JSON : echo-bench's CPU per connection (the
# warm-up's connections counted in, as server_cpu_us does)
bench_cpu_us_per_conn() {
  echo "$2" | python3 -c "
import json, sys
d = json.load(sys.stdin)
conns = d['connections_completed'] * (d['warmup_s'] + d['window_s']) / max(d['window_s'], 1e-9)
print(round($1 / max(conns, 1) * 1e6, 1))"
}

# syscalls: each variant's server under strace -c -f (server on core 0), first
# started and stopped with no client (the baseline: start-up, idle waits,
# shutdown), then serving SYSCALL_CONNECTIONS churn connections (echo-bench
# --reconnect -c 8 -s 64 -m N from core 1, CHURN_SOURCES). Records, per
# connection, (calls in the churn run - calls in the baseline) / connections
# established (N or a few more) of every system call: the waits (epoll_wait, epoll_pwait, io_uring_enter, ...) as
# wait_NAME, everything else by its name, and their sums (outside_wait,
# waits). strace slows the server several times over; the counts, not the
# times, are the result. One round (ROUNDS does not repeat it: counts barely vary).
syscalls() {
  command -v strace >/dev/null || { echo "syscalls: strace is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  local v fields connections
  for v in "${variants[@]}"; do
    start_traced "$v" "$out/strace-baseline.txt"
    stop_traced
    start_traced "$v" "$out/strace-churn.txt"
    checked timeout 300 taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" -t 1 --json --reconnect \
      -c 8 -s 64 -m "$SYSCALL_CONNECTIONS" --source "$CHURN_SOURCES" >"$out/syscalls.json"
    stop_traced
    # Per connection the server accepted: echo-bench may open a few more than N
    # (the slots that were connecting when the budget ran out).
    connections=$(json_field '["connections_established"]' <"$out/syscalls.json")
    fields=$(python3 bench/tools/strace_counts.py "$out/strace-churn.txt" "$out/strace-baseline.txt" \
      "$connections")
    # shellcheck disable=SC2086  # fields: NAME=VALUE words
    record syscalls "$(label "$v")" 1 "connections=$connections" $fields
  done
}

# start_traced VARIANT FILE : the variant's server under strace -c -f -o FILE on
# core 0; $server_pid is strace's, $traced_pid the server's.
start_traced() {
  local -a cmd
  read -r -a cmd <<<"$(command_of "$1")"
  start_server_bin 0 strace -c -f -o "$2" "${cmd[@]}"
  traced_pid=$(pgrep -P "$server_pid" | head -1)
  [ -n "$traced_pid" ] || { echo "syscalls: no traced server under strace $server_pid" >&2; exit 1; }
}

# stop_traced : SIGTERM to the server (strace writes its summary when it exits)
stop_traced() {
  kill -TERM "$traced_pid" 2>/dev/null || true
  wait "$server_pid" || true
}

# idle: RSS before any connection and at each of IDLE_COUNTS (1,000 then 10,000
# held idle); bytes_per_conn is the growth from the first count to the last.
# echo-server's default --max-connections is 10,000 and it holds exactly that
# many (it stops accepting at the limit: a 10,001st would wait in the backlog
# and idle_connections.py would time out), so for an echo-server command without
# --max-connections no count goes above 10,000: a larger one is lowered to it
# (the record's last_count says which was used).
idle() {
  local counts last first
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      counts=$(idle_counts_for "$v")
      last=${counts##*,} first=${counts%%,*}
      [ "$first" != "$last" ] || { echo "idle: $(label "$v"): counts $counts: need two" >&2; exit 1; }
      start_variant "$v"
      local start_rss
      start_rss=$(rss_kib "$server_pid")
      coproc HOLD { python3 bench/tools/idle_connections.py "127.0.0.1:$port" "$counts" --hold 120; }
      # Bash unsets HOLD and HOLD_PID once the client exits: keep them now.
      # shellcheck disable=SC2153  # HOLD_PID: set by coproc
      local hold_in=${HOLD[0]} hold_out=${HOLD[1]} hold_pid=$HOLD_PID
      declare -A rss=()
      while read -r -u "$hold_in" word count; do
        [ "$word" = ready ] || continue
        rss[$count]=$(rss_kib "$server_pid")
        echo >&"$hold_out" || true
        [ "$count" = "$last" ] && break
      done
      wait "$hold_pid" || { echo "idle: $(label "$v"): idle_connections.py failed" >&2; exit 1; }
      stop_server
      record idle "$(label "$v")" "$round" \
        "rss_start_kib=$start_rss" "rss_${first}_kib=${rss[$first]}" "rss_${last}_kib=${rss[$last]}" \
        "bytes_per_conn=$(((rss[$last] - rss[$first]) * 1024 / (last - first)))" "last_count=$last"
    done
  done
}

# The default limit of echo-server's --max-connections.
SERVER_DEFAULT_MAX_CONNECTIONS=10000

# idle_counts_for VARIANT : IDLE_COUNTS, each at most the default limit when the
# variant is an echo-server without --max-connections
idle_counts_for() {
  local cmd
  cmd=$(command_of "$1")
  if [[ $cmd == *echo-server* && $cmd != *--max-connections* ]]; then
    echo "$IDLE_COUNTS" | tr ',' '\n' | awk -v cap="$SERVER_DEFAULT_MAX_CONNECTIONS" \
      '{print ($1 > cap ? cap : $1)}' | uniq | paste -sd,
  else
    echo "$IDLE_COUNTS"
  fi
}

# latency: each round first finds every variant's maximum (closed-loop ping-pong,
# 50 connections, 64 B, LATENCY_PROBE_SECONDS), then runs every variant open
# loop (echo-bench --rate, 50 connections, 64 B) at half the LOWEST of those
# maxima: the servers are offered the same load, which is what a comparison of
# their latencies needs (half of each one's own maximum would load the faster
# servers harder). Records latency50 with that rate, the rate achieved and the
# variant's own maximum (max_msg_per_s). Server on core 0, echo-bench on core 1.
latency() {
  local rate v json
  for round in $(seq "$ROUNDS"); do
    local -A max=()
    for v in "${variants[@]}"; do
      start_variant "$v"
      max[$(label "$v")]=$(bench_for "$LATENCY_PROBE_SECONDS" -c 50 -s 64 | json_field '["messages_per_s"]')
      stop_server
    done
    rate=$(printf '%s\n' "${max[@]}" | sort -g | head -1 | awk '{printf "%d", $1 / 2}')
    [ "$rate" -gt 0 ] || { echo "latency: a variant's maximum is 0 msg/s" >&2; exit 1; }
    for v in "${variants[@]}"; do
      start_variant "$v"
      json=$(bench -c 50 -s 64 --rate "$rate")
      stop_server
      record latency50 "$(label "$v")" "$round" \
        "p99_us=$(echo "$json" | json_field '["latency_ns"]["p99"] / 1000')" \
        "p999_us=$(echo "$json" | json_field '["latency_ns"]["p99_9"] / 1000')" \
        "p50_us=$(echo "$json" | json_field '["latency_ns"]["p50"] / 1000')" \
        "rate=$rate" \
        "achieved_msg_per_s=$(echo "$json" | json_field '["messages_per_s"]')" \
        "max_msg_per_s=${max[$(label "$v")]}"
    done
  done
}

# unpinned: ping-pong with 1000 connections and streams with 8, as pingpong and
# stream, but neither the server nor echo-bench pinned (both may run on every
# CPU of all_cpus) and both with UNPINNED_THREADS threads: a variant's
# "--threads 1" becomes "--threads $UNPINNED_THREADS" (a command without it,
# e.g. one that picks its own thread count, runs as is).
unpinned() {
  local cpus before after json v
  local -a args
  cpus=$(all_cpus)
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      start_variant "$v" "$cpus" "$UNPINNED_THREADS"
      before=$(cpu_ticks "$server_pid")
      json=$(bench_unpinned -c 1000 -s 64)
      after=$(cpu_ticks "$server_pid")
      stop_server
      record pingpong1000_unpinned "$(label "$v")" "$round" \
        "msg_per_s=$(echo "$json" | json_field '["messages_per_s"]')" \
        "server_cpu_us_per_msg=$(server_cpu_us "$before" "$after" "$json")" \
        "p50_us=$(echo "$json" | json_field '["latency_ns"]["p50"] / 1000')" \
        "p99_us=$(echo "$json" | json_field '["latency_ns"]["p99"] / 1000')"
    done
    for v in "${variants[@]}"; do
      start_variant "$v" "$cpus" "$UNPINNED_THREADS"
      before=$(cpu_ticks "$server_pid")
      read -r -a args <<<"$(stream_args)"
      json=$(bench_unpinned "${args[@]}" -c 8 -s 64K)
      after=$(cpu_ticks "$server_pid")
      stop_server
      record "stream8_unpinned$(stream_suffix)" "$(label "$v")" "$round" \
        "mb_per_s=$(echo "$json" | json_field '["mb_per_s_received"]')" \
        "server_cpu_s_per_gb=$(server_cpu_s_per_gb "$before" "$after" "$json")"
    done
  done
}

# capacity: the server (on core 0) holds CAPACITY connections at once, opened
# round robin from CAPACITY_SOURCES (bind before connect) by one client process
# (bench/tools/idle_connections.py on core 1; each connection echoes 64 bytes,
# verified, then stays idle; closed with RST so no TIME_WAIT lingers into the
# next run). Before the first and with all open (and idle for
# CAPACITY_SETTLE_SECONDS): the server's RSS and the
# kernel's memory (bench/tools/kernel_memory.py: /proc/slabinfo active_objs x
# objsize per slab, /proc/net/sockstat TCP mem and inuse, /proc/meminfo Slab).
# On loopback each connection is two sockets on this machine (client's and
# server's): the kernel figures are per socket, delta / (2 x connections), and
# kernel_bytes_per_conn (slab + sockstat mem per socket) is the server end's
# share. The last round's per-slab breakdown and the extrapolation to 100,000
# and 1,000,000 connections (RSS at start + connections x (RSS + kernel bytes
# per connection), medians of the rounds) are printed after the records.
# Each hold is bounded: idle_connections.py --hold 300, and 600 s to get ready.
capacity() {
  local v rss_start rss_peak word count held fields client_in client_out client_pid
  for round in $(seq "$ROUNDS"); do
    : >"$out/capacity-slabs.txt"
    for v in "${variants[@]}"; do
      start_variant "$v"
      rss_start=$(rss_kib "$server_pid")
      python3 bench/tools/kernel_memory.py snapshot "$out/kernel-before.json"
      coproc HOLD {
        taskset -c 1 python3 bench/tools/idle_connections.py "127.0.0.1:$port" "$CAPACITY" \
          --sources "$CAPACITY_SOURCES" --abort-close --hold 300
      }
      client_in=${HOLD[0]} client_out=${HOLD[1]} client_pid=$HOLD_PID
      held=""
      while read -r -t 600 -u "$client_in" word count; do
        if [ "$word" = ready ]; then
          held=$count
          break
        fi
      done
      if [ -z "$held" ]; then
        echo "capacity: $(label "$v"): the client did not get $CAPACITY connections ready" >&2
        kill "$client_pid" 2>/dev/null || true
        exit 1
      fi
      sleep "$CAPACITY_SETTLE_SECONDS"
      rss_peak=$(rss_kib "$server_pid")
      python3 bench/tools/kernel_memory.py snapshot "$out/kernel-peak.json"
      echo >&"$client_out"
      wait "$client_pid" || { echo "capacity: idle_connections.py failed" >&2; exit 1; }
      stop_server
      fields=$(python3 bench/tools/kernel_memory.py delta "$out/kernel-before.json" \
        "$out/kernel-peak.json" "$held" --breakdown "$out/capacity-slabs.txt" \
        --title "$(label "$v") round $round")
      # shellcheck disable=SC2086  # fields: NAME=VALUE words
      record capacity "$(label "$v")" "$round" "connections=$held" \
        "rss_bytes_per_conn=$(((rss_peak - rss_start) * 1024 / held))" $fields \
        "rss_start_kib=$rss_start" "rss_peak_kib=$rss_peak"
    done
  done
  echo "# capacity: per-slab kernel memory, round $ROUNDS (objects and bytes: peak - before)"
  cat "$out/capacity-slabs.txt"
  capacity_extrapolation
}

# capacity_extrapolation : per variant, memory at 100,000 and 1,000,000
# connections, from the medians of its capacity records (a linear model:
# RSS at start + N x rss_bytes_per_conn, and N x kernel_bytes_per_conn)
capacity_extrapolation() {
  local v start rss kernel
  echo "# capacity: extrapolated server memory (user RSS + kernel), MiB"
  for v in "${variants[@]}"; do
    start=$(capacity_median "$v" rss_start_kib)
    rss=$(capacity_median "$v" rss_bytes_per_conn)
    kernel=$(capacity_median "$v" kernel_bytes_per_conn)
    python3 -c "
start, rss, kernel = $start * 1024, $rss, $kernel
parts = []
for n in (100_000, 1_000_000):
    user, kern = (start + n * rss) / 2**20, n * kernel / 2**20
    parts.append(f'{n:,} connections: {user:.0f} + {kern:.0f} = {user + kern:.0f}')
print('# $(label "$v"): ' + '; '.join(parts))"
  done
}

# capacity_median VARIANT FIELD : the median of FIELD over VARIANT's capacity records
capacity_median() {
  grep "^capacity $(label "$1") " "$out/results" | tr ' ' '\n' | sed -n "s/^$2=//p" | median
}

# the baseline of the ratios: BASELINE when it names a variant, else the first
baseline_label() {
  local v
  for v in "${variants[@]}"; do
    [ "$(label "$v")" = "${BASELINE:-}" ] && { echo "$BASELINE"; return; }
  done
  label "${variants[0]}"
}

summary() {
  local baseline
  baseline=$(baseline_label)
  echo "# medians of $ROUNDS rounds; ratio = variant / $baseline"
  [ -s "$out/results" ] || return 0
  # shellcheck disable=SC2013  # workload names, one a line
  for workload in $(awk '$1 != "syscalls" {print $1}' "$out/results" | uniq | sort -u); do
    for field in $(grep "^$workload " "$out/results" | head -1 | tr ' ' '\n' | grep = | grep -v '^round=' | cut -d= -f1); do
      line="$workload $field"
      base=$(field_median "$workload" "$baseline" "$field")
      for v in "${variants[@]}"; do
        m=$(field_median "$workload" "$(label "$v")" "$field")
        [ -n "$m" ] || continue
        line+="  $(label "$v")=$m ($(python3 -c "print(f'{$m/$base:.2f}' if '$base' and float('$base') else '-')"))"
      done
      echo "$line"
    done
  done
  if grep -q "^syscalls " "$out/results"; then
    echo "# system calls per connection (bench/tools/report.py tabulates them)"
    grep "^syscalls " "$out/results"
  fi
}

# field_median WORKLOAD VARIANT FIELD : the median over the rounds, or nothing
field_median() {
  local values
  values=$(grep "^$1 $2 " "$out/results" | tr ' ' '\n' | sed -n "s/^$3=//p")
  [ -n "$values" ] && echo "$values" | median
}

case "${1:-}" in
  pingpong) pingpong ;;
  stream) stream ;;
  churn) churn ;;
  idle) idle ;;
  latency) latency ;;
  unpinned) unpinned ;;
  capacity) capacity ;;
  syscalls) syscalls ;;
  proxy) proxy ;;
  all) pingpong; stream; churn; idle; latency; unpinned; syscalls ;;
  *) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 2 ;;
esac
summary
