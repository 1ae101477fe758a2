#!/bin/bash
# Run from the repository root: SCRIPT SERVER-BINARY ENGINE (callgrind: WORKLOAD = pingpong|stream|churn; LOGLEVEL=warn CONNS=20000 for churn).
bin=$1; engine=$2; out=$(mktemp -d)
strace -f -c -o $out/sc.txt $bin --engine $engine --threads 1 --listen 127.0.0.1:0 --log-level warn > $out/stdout 2> $out/stderr &
pid=$!
for i in $(seq 100); do grep -q "listening on" $out/stdout 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' $out/stdout | head -1)
build/release/src/echo-bench 127.0.0.1:$port -c 8 -t 1 --reconnect -w 0s -m 5000 > /dev/null
pkill -9 -P $pid; wait $pid
echo "== $bin $engine"; grep -E ' (accept4|getpeername|setsockopt|shutdown|close|io_uring_register|io_uring_enter|epoll_ctl|epoll_wait|recvfrom|sendto|futex|write)$' $out/sc.txt | awk '{print $NF"="$4}' | tr '\n' ' '; echo
cp $out/sc.txt strace-churn-$(basename $bin)-$engine.txt; rm -rf $out
