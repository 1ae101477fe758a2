#!/bin/bash
cd /work/main
while ! grep -q finished3 /tmp/runbench3.out; do sleep 10; done
OUT=bench/results/2026-12-01-default-config
B=build/release/src
export VARIANTS="default=$B/echo-server --threads 1 --max-connections 20000;epoll=$B/echo-server --engine epoll --threads 1 --log-level warn --max-connections 20000"
BASELINE=epoll ROUNDS=2 bench/compare --out $OUT/capacity capacity > /tmp/bench7.log 2>&1
echo finished4
