#!/usr/bin/env bash
# Where the two cores' time goes while echo-bench loads one server: the server
# pinned to core 0, echo-bench to core 1 (as bench/performance.sh pins them),
# then for a window of the run
#   - each core's busy share split into user, system, softirq and idle
#     (/proc/stat deltas), and the CPU seconds of each process (/proc/PID/stat);
#   - a perf profile of both cores (software cpu-clock sampling: this machine
#     has no hardware counters), summarised per core and per command, then the
#     hottest symbols of each core.
# It answers "which side is the bottleneck": a core near 100 % busy is the limit,
# and the symbols say what that core spends it on.
#
#   bench/tools/core_profile.sh OUT_DIR LABEL 'SERVER COMMAND' BENCH_ARGS...
#   e.g. bench/tools/core_profile.sh /tmp/prof default \
#          'build/release/src/echo-server --threads 1' --stream --discard -c 1 -s 64K
#
# The server command gets `--listen 127.0.0.1:PORT` appended, unless it holds
# `{port}`, which is replaced by the port (bench/peers: '... --port {port}'). Needs perf (linux-perf)
# and root or perf_event_paranoid <= 1 (KEEP_PERF=1 keeps OUT_DIR/LABEL.perf.data). Bounded: WINDOW_SECONDS (default 4) of
# sampling inside an echo-bench run of WINDOW_SECONDS + 4 s. Traffic: 127.0.0.1.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,20p' "$0"; exit 2; }
out=$1 label=$2 server=$3
shift 3
window=${WINDOW_SECONDS:-4}
bench=${ECHO_BENCH:-build/release/src/echo-bench}
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [[ $server == *"{port}"* ]]; then
  command=${server//\{port\}/$port}
else
  command="$server --listen 127.0.0.1:$port"
fi
# shellcheck disable=SC2086
taskset -c 0 $command >"$out/$label.server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true' EXIT
# Ready when the port accepts (bounded: 5 s).
python3 - "$port" <<'EOF'
import socket, sys, time
deadline = time.time() + 5
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("core_profile: server did not accept within 5 s")
        time.sleep(0.05)
EOF

cpu_line() { grep -E "^cpu$1 " /proc/stat; }
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

taskset -c 1 "$bench" "127.0.0.1:$port" -t 1 -w 1s -d "$((window + 3))s" --json "$@" \
  >"$out/$label.bench.json" &
bench_pid=$!
sleep 1.5  # past echo-bench's 1 s warm-up: the window measures steady load
c0=$(cpu_line 0) c1=$(cpu_line 1) s0=$(proc_ticks $server_pid) b0=$(proc_ticks $bench_pid)
perf record -q -a -g -e cpu-clock -F 499 -o "$out/$label.perf.data" -- sleep "$window" 2>/dev/null
c0b=$(cpu_line 0) c1b=$(cpu_line 1) s1=$(proc_ticks $server_pid) b1=$(proc_ticks $bench_pid)
wait $bench_pid
kill $server_pid
wait $server_pid 2>/dev/null || true
trap - EXIT

set +o pipefail  # `perf report | grep | head`: head closing early is not a failure
{
  echo "# $label: server '$server' on core 0; echo-bench $* on core 1; window ${window} s"
  python3 - "$window" "$(getconf CLK_TCK)" "$c0" "$c0b" "$c1" "$c1b" "$s0" "$s1" "$b0" "$b1" \
    "$out/$label.bench.json" <<'EOF'
import json, sys
window, hz = float(sys.argv[1]), int(sys.argv[2])
def split(a, b):
    x = [int(v) for v in a.split()[1:]]
    y = [int(v) for v in b.split()[1:]]
    d = [q - p for p, q in zip(x, y)]
    total = sum(d[:8]) or 1
    # user nice system idle iowait irq softirq steal
    return {"user": (d[0] + d[1]) / total, "system": d[2] / total,
            "softirq": (d[5] + d[6]) / total, "idle": (d[3] + d[4]) / total,
            "steal": d[7] / total}
for core, (a, b) in enumerate([(sys.argv[3], sys.argv[4]), (sys.argv[5], sys.argv[6])]):
    s = split(a, b)
    print(f"core {core}: busy {1 - s['idle']:.0%} (user {s['user']:.0%}, system {s['system']:.0%},"
          f" softirq {s['softirq']:.0%}, steal {s['steal']:.0%}), idle {s['idle']:.0%}")
server = (int(sys.argv[8]) - int(sys.argv[7])) / hz / window
bench = (int(sys.argv[10]) - int(sys.argv[9])) / hz / window
print(f"server process: {server:.0%} of a core; echo-bench process: {bench:.0%} of a core")
d = json.load(open(sys.argv[11]))
rate = d.get("mb_per_s_received") or 0
print(f"echo-bench: {d.get('messages_per_s', 0):,.0f} msg/s, {rate:,.0f} MB/s received")
EOF
  echo
  echo "## samples per core and command"
  perf report -i "$out/$label.perf.data" --stdio --no-children --sort cpu,comm -g none 2>/dev/null |
    grep -E '^ +[0-9]' | head -12
  for core in 0 1; do
    echo
    echo "## core $core: hottest symbols"
    perf report -i "$out/$label.perf.data" --stdio --no-children --cpu "$core" --sort comm,sym \
      -g none 2>/dev/null | grep -E '^ +[0-9]' | head -18
  done
} | tee "$out/$label.txt"
[ "${KEEP_PERF:-0}" = 1 ] || rm -f "$out/$label.perf.data"
