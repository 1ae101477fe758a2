# Shared by the bench/*.sh scripts: start and stop a server on a free loopback
# port, read JSON fields, take medians. Source it; it expects $out (a scratch
# directory) to be set.

# start_server_bin CPUSET BINARY ARGS... : starts BINARY ARGS --listen 127.0.0.1:0
# on CPUSET; sets $server_pid and $port.
start_server_bin() {
  local cpus=$1 binary=$2
  shift 2
  taskset -c "$cpus" "$binary" "$@" --listen 127.0.0.1:0 >"$out/server.out" 2>"$out/server.err" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$out/server.out" 2>/dev/null && break
    sleep 0.05  # a script, not a test: poll for the port line, at most 5 s
  done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out/server.out" | head -1)
  [ -n "$port" ] || { echo "server did not start" >&2; cat "$out/server.err" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
