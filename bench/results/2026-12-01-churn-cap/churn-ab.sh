#!/usr/bin/env bash
# Churn A/B runs behind README.md: ROUNDS alternating rounds (A then B, then B
# then A, ...), each run a fresh server on core 0 and echo-bench --reconnect -s 64
# on core 1, 1 s warm-up + SECONDS_PER_RUN measured. Prints one record per run:
#   LABEL round=N conn_per_s=.. server_cpu_us_per_conn=.. bench_cpu_us_per_conn=..
#   bench_cpu_share=.. (echo-bench's user+sys over the run's wall time, 1.0 = its
#   core saturated) timewait_before=.. (TIME_WAIT sockets on the machine)
#   churn-ab.sh "LABEL|SERVER COMMAND|ECHO-BENCH ARGS" "LABEL|...|..."
# Run from the repository root after a release build and bench/peers/build.sh.
set -euo pipefail
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT
. bench/lib.sh
B=build/release/src
hz=$(getconf CLK_TCK)

one() {
  local label=$1 server=$2 args=$3 round=$4 before after start end json
  read -r -a cmd <<<"$server"
  start_server_bin 0 "${cmd[0]}" "${cmd[@]:1}"
  local tw
  tw=$(ss -Htan state time-wait | wc -l)
  before=$(cpu_ticks "$server_pid")
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  json=$(/usr/bin/time -f "%U %S" -o "$out/time" taskset -c 1 "$B/echo-bench" "127.0.0.1:$port" \
    -t 1 -w 1s -d "${SECONDS_PER_RUN}s" --json --reconnect -s 64 $args)
  end=$(date +%s.%N)
  after=$(cpu_ticks "$server_pid")
  stop_server
  echo "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
user, sys_ = map(float, open('$out/time').read().split()[-2:])
conns = d['connections_completed'] * (d['warmup_s'] + d['window_s']) / max(d['window_s'], 1e-9)
print('$label round=$round conn_per_s=%d server_cpu_us_per_conn=%.1f bench_cpu_us_per_conn=%.1f'
      ' bench_cpu_share=%.2f errors=%d timewait_before=$tw' % (
      d['connections_per_s'], ($after - $before) / $hz / max(conns, 1) * 1e6,
      (user + sys_) / max(conns, 1) * 1e6, (user + sys_) / ($end - $start), d['errors']['total']))"
}

for round in $(seq "$ROUNDS"); do
  specs=("$@")
  if [ $((round % 2)) -eq 0 ]; then  # reverse the order every other round
    mapfile -t specs < <(printf '%s\n' "$@" | tac)
  fi
  for spec in "${specs[@]}"; do
    IFS='|' read -r label server args <<<"$spec"
    one "$label" "$server" "$args" "$round"
  done
done
