#!/usr/bin/env python3
"""Turns bench/performance.sh records into results.md and SVG charts.

    bench/tools/report.py [--baseline LABEL] RECORDS [OUT_DIR]   (OUT_DIR: RECORDS' folder)

RECORDS holds one line per run, `WORKLOAD VARIANT round=N NAME=VALUE ...`
(what performance.sh appends with RESULTS=FILE); blank lines and lines starting
with `#` are skipped, and so are values that are not numbers. Any workload name
and any field go: each workload gets a table with a row per variant (in the
order they first appear) and the median over its rounds of every field, then
the headline field's ratio to the baseline (--baseline LABEL where the workload
has that variant, else its first), its min-max spread and the number of rounds.
The headline field is HEADLINE's where the workload matches and has it, else the
workload's first field. The `syscalls` workload (system calls per connection,
one call per field) is a table the other way round: a row per system call and a
column per variant, the waits (wait_NAME) in rows of their own below; no chart.

Charts (gnuplot; its data and script go to OUT_DIR/gnuplot/): per workload a bar
chart of the headline field, WORKLOAD.svg, and one of its first field whose name
contains "cpu", WORKLOAD-FIELD.svg; median bars with min-max error bars. Without
gnuplot the tables are still written. Standard library only."""
import fnmatch
import os
import shutil
import statistics
import subprocess
import sys

# workload pattern -> headline field
HEADLINE = {
    "pingpong*": "msg_per_s",
    "stream*": "mb_per_s",
    "churn*": "conn_per_s",
    "syscalls*": "outside_wait",
    "idle*": "bytes_per_conn",
}


def read_records(path):
    """{workload: {variant: {field: [values]}}}, every level in first-seen order,
    and {(workload, variant): number of runs}."""
    data, runs, skipped = {}, {}, 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) < 3 or not words[2].startswith("round="):
                skipped += 1  # e.g. performance.sh's summary lines
                continue
            workload, variant = words[0], words[1]
            fields = data.setdefault(workload, {}).setdefault(variant, {})
            runs[workload, variant] = runs.get((workload, variant), 0) + 1
            for word in words[2:]:
                name, sep, value = word.partition("=")
                if not sep or name == "round":
                    continue
                try:
                    number = float(value)
                except ValueError:
                    continue
                fields.setdefault(name, []).append(number)
    if skipped:
        print(f"report: skipped {skipped} lines of {path} that are not records", file=sys.stderr)
    return data, runs


def fields_of(variants):
    """The workload's fields, in first-seen order across its variants."""
    names = {}
    for fields in variants.values():
        names.update(dict.fromkeys(fields))
    return list(names)


def headline_of(workload, fields):
    for pattern, field in HEADLINE.items():
        if fnmatch.fnmatch(workload, pattern) and field in fields:
            return field
    return fields[0]


def fmt(x):
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def median(values):
    return statistics.median(values) if values else None


def table(workload, variants, runs, fields, headline, baseline=None):
    """Markdown lines of the workload's table."""
    base_values = variants.get(baseline) or next(iter(variants.values()))
    base = median(base_values.get(headline, []))
    columns = [headline] + [f for f in fields if f != headline]
    head = ["variant"] + [f"`{f}`" for f in columns]
    head += [f"`{headline}` ratio", f"`{headline}` min–max", "rounds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for variant, values in variants.items():
        row = [variant]
        for f in columns:
            m = median(values.get(f, []))
            row.append("–" if m is None else fmt(m))
        h = values.get(headline, [])
        m = median(h)
        row.append(f"{m / base:.2f}" if m is not None and base else "–")
        row.append(f"{fmt(min(h))}–{fmt(max(h))}" if h else "–")
        row.append(str(runs[workload, variant]))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def syscalls_table(variants):
    """Markdown lines: a row per system call (most calls first, summed over the
    variants), a column per variant; the waits and the sums last."""
    fields = fields_of(variants)
    sums = [f for f in ("outside_wait", "waits") if f in fields]
    waits = [f for f in fields if f.startswith("wait_")]
    calls = [f for f in fields if f not in sums and f not in waits and f != "connections"]

    def weight(f):
        return -sum(median(v.get(f, [])) or 0 for v in variants.values())

    names = list(variants)
    lines = ["| system call, per connection | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for group in (sorted(calls, key=weight), ["outside_wait"] if "outside_wait" in sums else [],
                  sorted(waits, key=weight), ["waits"] if "waits" in sums else []):
        for f in group:
            label = {"outside_wait": "**all but the waits**", "waits": "**waits**"}.get(
                f, f"`{f[len('wait_'):]}` (wait)" if f.startswith("wait_") else f"`{f}`")
            row = []
            for v in variants.values():
                m = median(v.get(f, []))
                row.append("–" if m is None else f"{m:.2f}")
            lines.append(f"| {label} | " + " | ".join(row) + " |")
    conns = [median(v.get("connections", [])) for v in variants.values()]
    if any(c is not None for c in conns):
        lines.append("| connections traced | " + " | ".join(
            "–" if c is None else f"{c:,.0f}" for c in conns) + " |")
    return lines


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def chart(out_dir, workload, variants, field, svg):
    """Writes the chart's data file; returns its gnuplot commands."""
    dat = os.path.join("gnuplot", f"{workload}-{field}.dat")
    rounds = set()
    with open(os.path.join(out_dir, dat), "w", encoding="utf-8") as f:
        f.write("# index variant median min max\n")
        for i, (variant, values) in enumerate(variants.items()):
            v = values.get(field)
            if v:
                rounds.add(len(v))
                f.write(f"{i} {quoted(variant)} {median(v)} {min(v)} {max(v)}\n")
    n = "/".join(str(r) for r in sorted(rounds))
    title = f"{workload}: {field} (median; bars: min–max; rounds: {n})"
    return [
        f"set output {quoted(svg)}",
        f"set title {quoted(title)}",
        f"set ylabel {quoted(field)}",
        f"set xrange [-0.6:{len(variants) - 0.4}]",
        f"plot {quoted(dat)} using 1:3:xtic(2) with boxes lc rgb '#4c78a8', \\",
        "     '' using 1:3:4:5 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.5",
        "",
    ]


def baseline_text(baseline):
    return f"`{baseline}`" if baseline else "the first row"


def main():
    args = sys.argv[1:]
    baseline = None
    if len(args) >= 2 and args[0] == "--baseline":
        baseline, args = args[1], args[2:]
    if len(args) not in (1, 2) or args[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    records = args[0]
    out_dir = args[1] if len(args) == 2 else os.path.dirname(records) or "."
    data, runs = read_records(records)
    if not data:
        sys.exit(f"report: no records in {records}")
    os.makedirs(os.path.join(out_dir, "gnuplot"), exist_ok=True)

    script = [
        "set terminal svg size 720,400 noenhanced font 'sans,12' background rgb 'white'",
        "set style fill solid 0.8 border -1",
        "set boxwidth 0.6",
        "set yrange [*<0:*]",  # from 0, or below it for negative values
        "set grid ytics",
        "set tics nomirror",
        "unset key",
        "",
    ]
    sections = []  # (workload, table lines, [svg names])
    for workload, variants in data.items():
        fields = fields_of(variants)
        if not fields:
            continue
        if fnmatch.fnmatch(workload, "syscalls*"):
            sections.append((workload, None, syscalls_table(variants), []))
            continue
        headline = headline_of(workload, fields)
        charted = [headline] + [f for f in fields if "cpu" in f][:1]
        svgs = []
        for field in dict.fromkeys(charted):
            svg = f"{workload}.svg" if field == headline else f"{workload}-{field}.svg"
            script += chart(out_dir, workload, variants, field, svg)
            svgs.append(svg)
        sections.append(
            (workload, headline, table(workload, variants, runs, fields, headline, baseline), svgs))

    gp = os.path.join("gnuplot", "charts.gp")
    with open(os.path.join(out_dir, gp), "w", encoding="utf-8") as f:
        f.write("\n".join(script))
    note = ""
    if shutil.which("gnuplot"):
        run = subprocess.run(["gnuplot", gp], cwd=out_dir, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"report: gnuplot failed on {os.path.join(out_dir, gp)}:\n{run.stderr}")
    else:
        note = f"No charts: gnuplot was not found (its script: `{gp}`)."
        print("report: gnuplot not found; tables only", file=sys.stderr)

    md = [
        "# bench/compare results",
        "",
        "Medians over the rounds of each variant (every run: `records.txt`; the",
        "machine: `machine.txt`). The headline field is in the first column;",
        f"ratio = the variant's headline median / {baseline_text(baseline)}'s.",
        "",
    ]
    if note:
        md += [note, ""]
    for workload, headline, lines, svgs in sections:
        intro = (f"Headline: `{headline}`." if headline else
                 "System calls per connection under `strace -c -f` (a churn run minus a run "
                 "with no client), outside the waits, then the waits.")
        if fnmatch.fnmatch(workload, "stream*"):
            intro += (" Echoes verified byte by byte (the load generator's cost)."
                      if workload.endswith("_verified") else
                      " Server capacity: `echo-bench --stream --discard`, the echo counted"
                      " and dropped in the kernel, not verified.")
        md += [f"## {workload}", "", intro, "", *lines, ""]
        for svg in svgs:
            if os.path.exists(os.path.join(out_dir, svg)):
                md += [f"![]({svg})", ""]
    machine = os.path.join(out_dir, "machine.txt")
    if os.path.exists(machine):
        with open(machine, encoding="utf-8") as f:
            md += ["## Machine", "", "```", f.read().rstrip("\n"), "```", ""]
    path = os.path.join(out_dir, "results.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
