#!/bin/bash
cd /work/main
while ! grep -q finished /tmp/runbench.out; do sleep 10; done
OUT=bench/results/2026-12-01-default-config
export VARIANTS="before=/tmp/echo-server-before --threads 1;after=/tmp/echo-server-after --threads 1"
BASELINE=before ROUNDS=5 SECONDS_PER_RUN=2 bench/compare --out $OUT/before-after pingpong stream churn syscalls > /tmp/bench4.log 2>&1
export VARIANTS="default-64k=/tmp/echo-server-after --threads 1;buffer-16k=/tmp/echo-server-after --threads 1 --buffer-size 16KiB;buffer-256k=/tmp/echo-server-after --threads 1 --buffer-size 256KiB"
BASELINE=buffer-16k ROUNDS=5 SECONDS_PER_RUN=2 bench/compare --out $OUT/buffer-size stream > /tmp/bench5.log 2>&1
echo finished2
