#!/usr/bin/env python3
"""Rows of a bench JSON from the per-setting lines of a capped bench's stderr (for a run stopped
before its end): build facts from the run's plan.json, the rest from each '(cold candidates)' line."""
import json, re, sys
log, plan, out, regime = sys.argv[1:5]
p = json.load(open(plan))
idx = {b['key']: b for b in p['indexes']}
opts = p['options']
rows = []
pat = re.compile(r'bench: (\S+)\s+(.+?)\s+recall ([\d.]+)\s+qps\s+([\d,.]+)\s+cpu-qps\s+([\d,.]+)\s+p50 ([\d.]+) ms\s+p99 ([\d.]+) ms\s+visited (\d+)\s+\(cold candidates\)')
for line in open(log):
    m = pat.search(line)
    if not m:
        continue
    system, setting = m.group(1), m.group(2).strip()
    if system == 'matryoshka-prefix':
        enc = 'int4' if ' int4' in setting else 'int8' if ' int8' in setting else None
        key = 'prefix192' + ('-' + enc if enc else '')
        os_ = float(re.search(r'os=([\d.]+)', setting).group(1))
        d = re.search(r'depth=(\d+)', setting)
        reads = int(d.group(1)) if d else int(round(10 * os_))
    else:
        key = 'int8' if 'int8' in system else 'int4' if 'int4' in system else 'float32'
        os_ = float(re.search(r'os=([\d.]+)', setting).group(1))
        reads = int(round(10 * os_))
    b = idx[key]
    rows.append(dict(regime=regime, system=system, setting=setting, recall_at_10=float(m.group(3)),
        qps=float(m.group(4).replace(',', '')), cpu_qps=float(m.group(5).replace(',', '')), qps_threads=None,
        p50_ms=float(m.group(6)), p99_ms=float(m.group(7)), build_seconds=b['buildSeconds'],
        merge_seconds=b['mergeSeconds'], index_bytes=sum(b['bytesByKind'].values()),
        hot_bytes_per_vector=b['hotBytesPerVector'], visited_per_query=float(m.group(8)),
        full_reads_per_query=reads, bytes_by_kind=b['bytesByKind']))
meta = dict(regime=regime, dataset='corpus-100000-bge-small-en-v1.5+rotation-centered', docs=100000,
    dims=384, queries=200, k=10, threads=1, memory_limit_bytes=opts.get('memoryLimit'),
    note='rows rebuilt from the stderr log of a run stopped before its end (log2json); see BENCHMARKS.md')
json.dump(dict(meta=meta, rows=rows), open(out, 'w'), indent=1)
print(len(rows), 'rows')
