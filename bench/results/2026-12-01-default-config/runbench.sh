#!/bin/bash
cd /work/main
B=build/release/src; P=build/peers
OURS="--threads 1 --log-level warn --max-connections 20000"
export VARIANTS="default=$B/echo-server --threads 1;epoll=$B/echo-server --engine epoll $OURS;epoll-min-16k=$P/epoll-min --threads 1 --buffer-size 16K;epoll-min=$P/epoll-min --threads 1;tokio=$P/tokio-echo --threads 1"
OUT=bench/results/2026-12-01-default-config
ROUNDS=5 SECONDS_PER_RUN=2 bench/compare --out $OUT/main pingpong stream churn > /tmp/bench1.log 2>&1
ROUNDS=3 SECONDS_PER_RUN=2 bench/compare --out $OUT/latency latency > /tmp/bench2.log 2>&1
ROUNDS=1 IDLE_COUNTS=1000,10000 bench/compare --out $OUT/idle idle syscalls > /tmp/bench3.log 2>&1
echo finished
