#!/usr/bin/env python3
"""Opens connections to an echo server in stages (COUNTS, e.g. 1000,10000
connections in all), echoes one 64-byte random message on each (verified), and
after each stage prints "ready N" and holds them idle until a line arrives on
stdin or --hold seconds pass; after the last stage it closes them all. Used by
bench/performance.sh to measure the server's memory per idle connection (idle)
and per held connection, user and kernel side (capacity). --sources spreads the
connections over several local addresses, round robin (bind before connect),
e.g. 127.0.0.2-127.0.0.5; --abort-close closes with an RST so that no TIME_WAIT
sockets are left behind. The process holds one descriptor per connection, so
its descriptor limit (raised to the hard limit) caps the count.
Loopback only by intent: the target is whatever HOST:PORT the script is given."""
import argparse
import ipaddress
import os
import resource
import select
import socket
import struct
import sys

# Linux: bind() leaves the port to connect(), so that each source address's
# ports are shared among destinations (the kernel's value, when Python lacks it).
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", help="HOST:PORT")
    parser.add_argument("counts", help="comma-separated totals, increasing")
    parser.add_argument("--hold", type=float, default=120.0, help="seconds, at most")
    parser.add_argument("--sources", help="IPv4 source addresses, IP or FIRST-LAST")
    parser.add_argument("--abort-close", action="store_true", help="close with RST")
    args = parser.parse_args()
    host, port = args.target.rsplit(":", 1)
    counts = [int(c) for c in args.counts.split(",")]
    sources = source_range(args.sources) if args.sources else [None]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < max(counts) + 16:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns = []
    for count in counts:
        if not open_until(host, int(port), count, conns, sources):
            return 1
        print(f"ready {len(conns)}", flush=True)
        ready, _, _ = select.select([sys.stdin], [], [], args.hold)
        if ready:
            sys.stdin.readline()
    for s in conns:
        if args.abort_close:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    return 0


def source_range(text: str) -> list:
    """FIRST-LAST (or one IP) -> the IPv4 addresses from FIRST to LAST, as strings."""
    first, _, last = text.partition("-")
    lo, hi = int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(last or first))
    if hi < lo or hi - lo >= 1 << 16:
        raise SystemExit(f"--sources {text}: want FIRST-LAST, increasing, at most 65,536")
    return [str(ipaddress.IPv4Address(a)) for a in range(lo, hi + 1)]


def connect(host: str, port: int, source) -> socket.socket:
    """A connected socket with a 10 s timeout, bound to SOURCE first when given."""
    if source is None:
        return socket.create_connection((host, port), timeout=10)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        s.bind((source, 0))
        s.settimeout(10)
        s.connect((host, port))
    except OSError:
        s.close()
        raise
    return s


def open_until(host: str, port: int, count: int, conns: list, sources: list) -> bool:
    while len(conns) < count:
        try:
            s = connect(host, port, sources[len(conns) % len(sources)])
        except OSError as e:
            print(f"connection {len(conns) + 1} failed: {e}", file=sys.stderr)
            return False
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
