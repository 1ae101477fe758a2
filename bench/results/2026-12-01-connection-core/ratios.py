import sys, collections, statistics
rec = collections.defaultdict(dict)  # (workload, variant, round) -> fields
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) < 3: continue
    w, v = parts[0], parts[1]
    f = dict(p.split('=', 1) for p in parts[2:] if '=' in p)
    rec[(w, v, f.get('round'))] = f
workloads = sorted({k[0] for k in rec})
for w in workloads:
    for eng in ('epoll', 'uring'):
        rounds = sorted({k[2] for k in rec if k[0] == w})
        fields = [k for k in rec[(w, 'before-' + eng, rounds[0])] if k != 'round']
        out = []
        for fld in fields:
            b = [float(rec[(w, 'before-' + eng, r)][fld]) for r in rounds if (w, 'before-' + eng, r) in rec and (w,'after-'+eng,r) in rec]
            a = [float(rec[(w, 'after-' + eng, r)][fld]) for r in rounds if (w, 'before-' + eng, r) in rec and (w,'after-'+eng,r) in rec]
            if not b: continue
            ratios = [x / y if y else float('nan') for x, y in zip(a, b)]
            out.append(f"{fld}: before {statistics.median(b):.4g} after {statistics.median(a):.4g} ratio-of-medians {statistics.median(a)/statistics.median(b):.3f} paired-median {statistics.median(ratios):.3f} (n={len(b)})")
        print(f"{w} {eng}:")
        for o in out: print("   ", o)
