# Shared by the bench/*.sh scripts: start and stop a server on a free loopback
# port, read JSON fields, take medians. Source it; it expects $out (a scratch
# directory) to be set.

# start_server_bin CPUSET BINARY ARGS... : starts BINARY ARGS --listen 127.0.0.1:0
# on CPUSET; sets $server_pid and $port. A server that prints no "listening on"
# line in 10 s is killed and started once more (said on stderr, with where its
# threads were waiting); a second failure ends the script.
start_server_bin() {
  local cpus=$1 binary=$2 try
  shift 2
  for try in 1 2; do
    SECONDS=0
    # Emptied here, not only by the child's redirect: the loop below may run
    # before the child has truncated the file and would read the last server's line.
    : >"$out/server.out"
    # LISTEN_PREFIX: a scheme for the listener (tcp+proxy://); none by default.
    taskset -c "$cpus" "$binary" "$@" --listen "${LISTEN_PREFIX:-}127.0.0.1:0" >"$out/server.out" \
      2>"$out/server.err" &
    server_pid=$!
    for _ in $(seq 200); do
      grep -q 'listening on' "$out/server.out" 2>/dev/null && break
      sleep 0.05  # a script, not a test: poll for the port line, at most 10 s (a busy machine)
    done
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out/server.out" | head -1)
    [ -z "$port" ] || return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "server did not start: $binary $* exited" >&2
      cat "$out/server.out" "$out/server.err" >&2
      exit 1
    fi
    echo "server did not start (try $try): $binary $* printed no 'listening on' line in ${SECONDS} s;" \
      "its threads wait in: $(cat /proc/"$server_pid"/task/*/wchan 2>/dev/null | tr '\n' ' ')" >&2
    cat "$out/server.out" "$out/server.err" >&2
    pkill -KILL -P "$server_pid" 2>/dev/null || true  # its children (under strace: the server)
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  done
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# run_timed FILE COMMAND... : runs COMMAND (its stdout and status pass through)
# and writes the CPU seconds it used (user + system, its children included) to FILE
run_timed() {
  python3 -c '
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_utime + usage.ru_stime:.3f}\n")
sys.exit(os.waitstatus_to_exitcode(status))' "$@"
}
