#!/bin/bash
# Run from the repository root: SCRIPT SERVER-BINARY ENGINE (callgrind: WORKLOAD = pingpong|stream|churn; LOGLEVEL=warn CONNS=20000 for churn).
# ir.sh BINARY ENGINE WORKLOAD : user-space instructions of the server (callgrind) per unit
bin=$1; engine=$2; workload=$3
out=$(mktemp -d)
taskset -c 0 valgrind --tool=callgrind --callgrind-out-file=$out/cg.out $bin --engine $engine --threads 1 --listen 127.0.0.1:0 --log-level ${LOGLEVEL:-info} --max-connections 20000 > $out/stdout 2> $out/stderr &
pid=$!
for i in $(seq 100); do grep -q "listening on" $out/stdout 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' $out/stdout | head -1)
B=build/release/src/echo-bench
case $workload in
  pingpong) taskset -c 1 $B 127.0.0.1:$port -c 50 -t 1 -w 0s -m 200000 --json > $out/bench.json ;;
  stream) taskset -c 1 $B 127.0.0.1:$port -c 1 -t 1 --stream -s 64K -w 0s -d 3s --json > $out/bench.json ;;
  churn) taskset -c 1 $B 127.0.0.1:$port -c 8 -t 1 --reconnect -w 0s -m 20000 --json > $out/bench.json ;;
esac
callgrind_control -d $pid >/dev/null 2>&1; sleep 1; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
cg=$(ls $out/cg.out* | tail -1); cp $cg $out/cg.out 2>/dev/null
ir=$(grep -m1 "^summary:\|^totals:" $cg | awk '{print $2}')
inb=$(grep -o " in=[0-9]*" $out/stderr | sed 's/ in=//' | awk '{s+=$1} END {print s}')
conns=${CONNS:-$(grep -c " close " $out/stderr)}
echo "$workload $engine $(basename $(dirname $(dirname $bin)))/$(basename $bin) Ir=$ir bytes_in=$inb conns=$conns Ir_per_KiB=$(echo "$ir*1024/$inb" | bc) Ir_per_conn=$(echo "$ir/$conns" | bc)"
rm -rf $out
