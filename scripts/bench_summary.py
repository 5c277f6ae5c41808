#!/usr/bin/env python3
"""Medians of the s3nas engine and the PyTorch peer from a benchmark's JSON lines, and their ratios.

Usage: bench_summary.py FILE [FIELD=VALUE ...] [--last N]
Rows must match every FIELD=VALUE (the peer's rows lack fields it does not know, so only fields both
write should be given); --last N keeps the newest N rows, this run's. Prints one line per framework,
then one ratio line and a JSON line {"train_ratio", "infer_ratio", "peak_rss_ratio"}.
"""
import json
import statistics
import sys

args = sys.argv[1:]
path = args.pop(0)
last = None
if "--last" in args:
    i = args.index("--last")
    last = int(args[i + 1])
    del args[i:i + 2]
want = dict(a.split("=", 1) for a in args)
rows = [json.loads(l) for l in open(path) if l.strip()]
if last:
    rows = rows[-last:]
rows = [r for r in rows if all(str(r.get(k)) == v for k, v in want.items())]
by = {}
for r in rows:
    by.setdefault(r["framework"], []).append(r)
med = {}
for k, v in by.items():
    med[k] = (statistics.median(x["train_images_per_s"] for x in v), statistics.median(x["infer_images_per_s"] for x in v),
              max(x["peak_rss_mb"] for x in v), len(v))
    print(f"{k}: train {med[k][0]:.1f} img/s, infer {med[k][1]:.1f} img/s, peak RSS {med[k][2]:.0f} MB (median of {med[k][3]})")
if "s3nas-java" in med and "pytorch" in med:
    j, p = med["s3nas-java"], med["pytorch"]
    ratios = {"train_ratio": round(j[0] / p[0], 3), "infer_ratio": round(j[1] / p[1], 3), "peak_rss_ratio": round(j[2] / p[2], 3)}
    print(f"ratio java/pytorch: train {ratios['train_ratio']:.2f}, infer {ratios['infer_ratio']:.2f}, "
          f"peak RSS {ratios['peak_rss_ratio']:.2f}")
    print(json.dumps(ratios))
