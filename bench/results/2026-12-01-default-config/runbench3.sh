#!/bin/bash
cd /work/main
while ! grep -q finished2 /tmp/runbench2.out; do sleep 10; done
OUT=bench/results/2026-12-01-default-config
P=build/peers
export VARIANTS="splice=/tmp/echo-server-after --threads 1;copy=/tmp/echo-server-after --threads 1 --splice-pipes 0;epoll-copy=/tmp/echo-server-after --engine epoll --threads 1 --splice-pipes 0;epoll-min=$P/epoll-min --threads 1"
BASELINE=splice ROUNDS=5 SECONDS_PER_RUN=2 bench/compare --out $OUT/splice-or-copy stream > /tmp/bench6.log 2>&1
echo finished3
