#!/usr/bin/env bash
# Reproduces docs/performance.md (a Release build first:
# cmake --preset release && cmake --build --preset release).
#   bench/performance.sh pingpong   64-byte ping-pong, 50 and 1000 connections
#   bench/performance.sh stream     bulk streams (64 KiB writes), 1 and 8 connections
#   bench/performance.sh churn      connect, echo 64 bytes, close; 8 at a time
#   bench/performance.sh idle       server RSS per idle connection, 1,000 -> 10,000
#   bench/performance.sh all        the four, in that order
# The server runs one event loop pinned to core 0, echo-bench one thread pinned
# to core 1. VARIANTS lists the servers to compare, "label=command;..." (each
# command gets --listen 127.0.0.1:0 and must print "listening on ADDR:PORT";
# default: this build's epoll and uring engines, with $OURS below); the first
# is the baseline of the ratios. ROUNDS (default 5) alternating rounds; each
# run starts a fresh server. Everything goes to 127.0.0.1; every run is bounded
# by its duration. RESULTS=FILE keeps every round's record there too (one line
# per run: WORKLOAD VARIANT round=N NAME=VALUE...), for bench/compare.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build/release}/src
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
IDLE_COUNTS=${IDLE_COUNTS:-1000,10000}
# Our server's settings for every run: one event loop, no per-connection logs.
OURS="--threads 1 --log-level warn --max-connections 20000"
VARIANTS=${VARIANTS:-"epoll=$B/echo-server --engine epoll $OURS;uring=$B/echo-server --engine uring $OURS"}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

IFS=';' read -r -a variants <<<"$VARIANTS"
label() { echo "${1%%=*}"; }
command_of() { echo "${1#*=}"; }

# start_variant VARIANT : the variant's server (its command plus --listen) on core 0
start_variant() {
  local -a cmd
  read -r -a cmd <<<"$(command_of "$1")"
  start_server_bin 0 "${cmd[0]}" "${cmd[@]:1}"
}

bench() { taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" -t 1 -w 1s -d "${SECONDS_PER_RUN}s" --json "$@"; }

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

stream() {
  for round in $(seq "$ROUNDS"); do
    for connections in 1 8; do
      for v in "${variants[@]}"; do
        start_variant "$v"
        before=$(cpu_ticks "$server_pid")
        json=$(bench --stream -c "$connections" -s 64K)
        after=$(cpu_ticks "$server_pid")
        stop_server
        record "stream$connections" "$(label "$v")" "$round" \
          "mb_per_s=$(echo "$json" | json_field '["mb_per_s_received"]')" \
          "server_cpu_s_per_gb=$(server_cpu_s_per_gb "$before" "$after" "$json")"
      done
    done
  done
}

churn() {
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      start_variant "$v"
      before=$(cpu_ticks "$server_pid")
      json=$(bench --reconnect -c 8 -s 64)
      after=$(cpu_ticks "$server_pid")
      stop_server
      record churn "$(label "$v")" "$round" \
        "conn_per_s=$(echo "$json" | json_field '["connections_per_s"]')" \
        "server_cpu_us_per_conn=$(server_cpu_us "$before" "$after" "$json")"
    done
  done
}

idle() {
  local last=${IDLE_COUNTS##*,} first=${IDLE_COUNTS%%,*}
  for round in $(seq "$ROUNDS"); do
    for v in "${variants[@]}"; do
      start_variant "$v"
      local start_rss
      start_rss=$(rss_kib "$server_pid")
      coproc HOLD { python3 bench/tools/idle_connections.py "127.0.0.1:$port" "$IDLE_COUNTS" --hold 120; }
      declare -A rss=()
      while read -r -u "${HOLD[0]}" word count; do
        [ "$word" = ready ] || continue
        rss[$count]=$(rss_kib "$server_pid")
        echo >&"${HOLD[1]}"
        [ "$count" = "$last" ] && break
      done
      wait "$HOLD_PID" || { echo "idle_connections failed" >&2; exit 1; }
      stop_server
      record idle "$(label "$v")" "$round" \
        "rss_start_kib=$start_rss" "rss_${first}_kib=${rss[$first]}" "rss_${last}_kib=${rss[$last]}" \
        "bytes_per_conn=$(((rss[$last] - rss[$first]) * 1024 / (last - first)))"
    done
  done
}

summary() {
  echo "# medians of $ROUNDS rounds; ratio = variant / $(label "${variants[0]}")"
  for workload in $(awk '{print $1}' "$out/results" | uniq | sort -u); do
    for field in $(grep "^$workload " "$out/results" | head -1 | tr ' ' '\n' | grep = | grep -v '^round=' | cut -d= -f1); do
      base=""
      line="$workload $field"
      for v in "${variants[@]}"; do
        m=$(grep "^$workload $(label "$v") " "$out/results" | tr ' ' '\n' | sed -n "s/^$field=//p" | median)
        [ -z "$base" ] && base=$m
        line+="  $(label "$v")=$m ($(python3 -c "print(f'{$m/$base:.2f}' if $base else '-')"))"
      done
      echo "$line"
    done
  done
}

case "${1:-}" in
  pingpong) pingpong ;;
  stream) stream ;;
  churn) churn ;;
  idle) idle ;;
  all) pingpong; stream; churn; idle ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
summary
