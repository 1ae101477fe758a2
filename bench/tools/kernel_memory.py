#!/usr/bin/env python3
"""The kernel's memory for TCP connections, from two snapshots.

  kernel_memory.py snapshot FILE
      writes FILE: every slab cache of /proc/slabinfo (active objects, object
      size, slabs, pages per slab), /proc/net/sockstat's TCP line and
      /proc/meminfo's Slab, as JSON.
  kernel_memory.py delta BEFORE AFTER CONNECTIONS [--breakdown FILE] [--title T]
      prints NAME=VALUE fields (bytes per socket; see below) and, to FILE (else
      stderr), the slabs that changed most.

Used by bench/performance.sh capacity. On loopback both ends of a connection
live on this machine, so CONNECTIONS connections are 2 x CONNECTIONS sockets
(the client's and the server's): the per-socket figures divide the deltas by
that, and kernel_bytes_per_conn (the server end's share) is slab + sockstat mem
per socket. The server's socket also has epoll entries that the client's lacks,
and the client's has bind buckets the server's lacks; the breakdown's objects
per connection (1 = one end, 2 = both) shows which. Slab objects are counted as
active_objs x objsize; pages (slabs x pages per slab) are shown beside them.
sockstat's TCP mem is the socket buffer memory charged, in pages (per-CPU
reserves hide small changes); its inuse delta should be 2 x CONNECTIONS.
/proc/slabinfo and /proc/meminfo are machine-wide: anything else running adds
noise; /proc/net/sockstat is this network namespace's. /proc/slabinfo needs
root: without it, meminfo's Slab stands in for the slab figure (said on stderr).
"""
import argparse
import json
import os
import sys

PAGE = os.sysconf("SC_PAGESIZE")


def snapshot() -> dict:
    slabs = {}
    try:
        with open("/proc/slabinfo") as f:
            for line in f.readlines()[2:]:
                words = line.split()
                # name active_objs num_objs objsize objperslab pagesperslab :
                # tunables ... : slabdata active_slabs num_slabs sharedavail
                slabs[words[0]] = {
                    "objects": int(words[1]),
                    "objsize": int(words[3]),
                    "pages": int(words[14]) * int(words[5]),
                }
    except PermissionError:
        slabs = None
    tcp = {}
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                words = line.split()[1:]
                tcp = {k: int(v) for k, v in zip(words[::2], words[1::2])}
    with open("/proc/meminfo") as f:
        meminfo_slab_kib = next(int(l.split()[1]) for l in f if l.startswith("Slab:"))
    return {"slabs": slabs, "tcp": tcp, "meminfo_slab_kib": meminfo_slab_kib}


def delta(before: dict, after: dict, connections: int, out, title: str) -> list:
    sockets = 2 * connections
    meminfo = (after["meminfo_slab_kib"] - before["meminfo_slab_kib"]) * 1024
    mem = (after["tcp"].get("mem", 0) - before["tcp"].get("mem", 0)) * PAGE
    inuse = after["tcp"].get("inuse", 0) - before["tcp"].get("inuse", 0)
    rows = []
    if before["slabs"] is not None and after["slabs"] is not None:
        for name, a in after["slabs"].items():
            b = before["slabs"].get(name, {"objects": 0, "objsize": a["objsize"], "pages": 0})
            objects = a["objects"] - b["objects"]
            rows.append((name, objects, a["objsize"], a["objects"] * a["objsize"]
                         - b["objects"] * b["objsize"], (a["pages"] - b["pages"]) * PAGE))
        slab = sum(r[3] for r in rows)
        pages = sum(r[4] for r in rows)
    else:
        print("kernel_memory: /proc/slabinfo unreadable (needs root): slab = meminfo Slab",
              file=sys.stderr)
        slab = pages = meminfo
    rows.sort(key=lambda r: -abs(r[3]))
    print(f"# {title}: {connections} connections = {sockets} sockets on this machine "
          f"(client's and server's); per socket = delta / {sockets}", file=out)
    print(f"# {'slab':<24} {'objects':>9} {'per conn':>8} {'objsize':>7} "
          f"{'bytes':>12} {'per socket':>10} {'pages bytes':>12}", file=out)
    top = rows[:12]
    for name, objects, size, nbytes, pbytes in top:
        print(f"# {name:<24} {objects:>9} {objects / connections:>8.2f} {size:>7} "
              f"{nbytes:>12} {nbytes / sockets:>10.0f} {pbytes:>12}", file=out)
    rest = rows[len(top):]
    if rest:
        print(f"# {'(' + str(len(rest)) + ' others)':<24} {sum(r[1] for r in rest):>9} "
              f"{'':>8} {'':>7} {sum(r[3] for r in rest):>12} "
              f"{sum(r[3] for r in rest) / sockets:>10.0f} {sum(r[4] for r in rest):>12}", file=out)
    print(f"# {'all slabs':<24} {'':>9} {'':>8} {'':>7} {slab:>12} {slab / sockets:>10.0f} "
          f"{pages:>12}", file=out)
    grown = [r for r in rows if r[1] >= connections / 2]
    print(f"# slabs with >= 0.5 objects per connection ({', '.join(r[0] for r in grown)}): "
          f"{sum(r[3] for r in grown)} bytes ({sum(r[3] for r in grown) / sockets:.0f} per "
          f"socket), less exposed to the rest of the machine", file=out)
    print(f"# meminfo Slab delta {meminfo} bytes ({meminfo / sockets:.0f} per socket); "
          f"sockstat TCP inuse delta {inuse} (expected {sockets}), mem delta {mem} bytes "
          f"({mem / sockets:.0f} per socket)", file=out)
    per_socket = slab / sockets
    mem_per_socket = mem / sockets
    return [
        f"kernel_bytes_per_conn={round(per_socket + mem_per_socket)}",
        f"slab_bytes_per_socket={round(per_socket)}",
        f"sockstat_mem_bytes_per_socket={round(mem_per_socket)}",
        f"meminfo_slab_bytes_per_socket={round(meminfo / sockets)}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("file")
    diff = sub.add_parser("delta")
    diff.add_argument("before")
    diff.add_argument("after")
    diff.add_argument("connections", type=int)
    diff.add_argument("--breakdown", help="file to append the per-slab table to")
    diff.add_argument("--title", default="kernel memory")
    args = parser.parse_args()
    if args.command == "snapshot":
        with open(args.file, "w") as f:
            json.dump(snapshot(), f)
        return 0
    with open(args.before) as f:
        before = json.load(f)
    with open(args.after) as f:
        after = json.load(f)
    if args.connections <= 0:
        print("kernel_memory: CONNECTIONS must be positive", file=sys.stderr)
        return 2
    if args.breakdown:
        with open(args.breakdown, "a") as out:
            fields = delta(before, after, args.connections, out, args.title)
    else:
        fields = delta(before, after, args.connections, sys.stderr, args.title)
    print(" ".join(fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
