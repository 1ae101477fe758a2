#!/usr/bin/env python3
"""System calls per connection from two `strace -c -f -o FILE` summaries.

    bench/tools/strace_counts.py RUN BASELINE CONNECTIONS

RUN: the server's summary from a run that served CONNECTIONS connections;
BASELINE: the same server started and stopped with no client (start-up, idle
waits, shutdown). Prints NAME=VALUE words on one line, for bench/performance.sh's
syscalls record: (calls in RUN - calls in BASELINE) / CONNECTIONS for every
system call, two decimals; the calls a loop waits in (WAITS below) as
wait_NAME, then outside_wait=SUM and waits=SUM. Calls that round to 0.00 are
left out. Standard library only."""
import sys

# The calls an event loop blocks in: counted, but listed apart from the work.
WAITS = {"epoll_wait", "epoll_pwait", "epoll_pwait2", "io_uring_enter", "poll", "ppoll",
         "select", "pselect6", "futex"}


def calls_of(path):
    """{syscall: calls} from strace -c's table (columns: % time, seconds,
    usecs/call, calls, [errors], syscall)."""
    calls = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if len(words) < 5 or not words[3].isdigit() or words[-1] == "total":
                continue
            try:
                float(words[0])
            except ValueError:
                continue
            calls[words[-1]] = calls.get(words[-1], 0) + int(words[3])
    return calls


def main():
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    run, baseline = calls_of(sys.argv[1]), calls_of(sys.argv[2])
    connections = int(sys.argv[3])
    if not run or connections <= 0:
        sys.exit(f"strace_counts: no system calls in {sys.argv[1]}")
    work, waits = [], []
    for name in sorted(run, key=lambda n: (-run[n], n)):
        per = (run[name] - baseline.get(name, 0)) / connections
        if round(per, 2) <= 0:
            continue
        (waits if name in WAITS else work).append((name, per))
    words = [f"{name}={per:.2f}" for name, per in work]
    words += [f"wait_{name}={per:.2f}" for name, per in waits]
    words.append(f"outside_wait={sum(p for _, p in work):.2f}")
    words.append(f"waits={sum(p for _, p in waits):.2f}")
    print(" ".join(words))
    return 0


if __name__ == "__main__":
    sys.exit(main())
