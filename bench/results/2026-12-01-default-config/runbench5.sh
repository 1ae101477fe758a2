#!/bin/bash
cd /work/main
while ! grep -q finished4 /tmp/runbench4.out; do sleep 10; done
OUT=bench/results/2026-12-01-default-config
export VARIANTS="before=/tmp/echo-server-before --threads 1;after=/tmp/echo-server-after --threads 1;after-16k=/tmp/echo-server-after --threads 1 --buffer-size 16KiB"
BASELINE=before ROUNDS=7 SECONDS_PER_RUN=2 bench/compare --out $OUT/pingpong-recheck pingpong > /tmp/bench8.log 2>&1
echo finished5
