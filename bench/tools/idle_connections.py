#!/usr/bin/env python3
"""Opens connections to an echo server in stages (COUNTS, e.g. 1000,10000
connections in all), echoes one 64-byte random message on each (verified), and
after each stage prints "ready N" and holds them idle until a line arrives on
stdin or --hold seconds pass; after the last stage it closes them all. Used by
bench/performance.sh to measure the server's memory per idle connection.
Loopback only by intent: the target is whatever HOST:PORT the script is given."""
import argparse
import os
import resource
import select
import socket
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", help="HOST:PORT")
    parser.add_argument("counts", help="comma-separated totals, increasing")
    parser.add_argument("--hold", type=float, default=120.0, help="seconds, at most")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    counts = [int(c) for c in args.counts.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < max(counts) + 16:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns = []
    for count in counts:
        if not open_until(host, int(port), count, conns):
            return 1
        print(f"ready {len(conns)}", flush=True)
        ready, _, _ = select.select([sys.stdin], [], [], args.hold)
        if ready:
            sys.stdin.readline()
    for s in conns:
        s.close()
    return 0


def open_until(host: str, port: int, count: int, conns: list) -> bool:
    while len(conns) < count:
        s = socket.create_connection((host, port), timeout=10)
        payload = os.urandom(64)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(len(payload) - len(got))
            if not chunk:
                print("server closed a connection", file=sys.stderr)
                return False
            got += chunk
        if got != payload:
            print("echo differs", file=sys.stderr)
            return False
        conns.append(s)
    return True


if __name__ == "__main__":
    sys.exit(main())
