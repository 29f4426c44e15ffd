#!/usr/bin/env python3
"""Compare the build-time kernel timings of two opencl-optimized runs (results databases, .db or .db.gz).

For every layer timed in both, the same candidate's time in A over its time in B: per layer the median ratio, the
best candidate's time in each and the choices; overall the 10/25/50/75/90th percentiles of the ratios over every
(layer, candidate) pair, the sums of the best times, the layers with the same choice and the timing phase of each
build. A kernel-form change shows as ratios away from 1 on the candidates it compiles differently and 1 on the others;
two builds of one form on one card show the timing noise.

Usage: compare_timings.py A.db[.gz] B.db[.gz] [--layers]   (--layers: the per-layer lines too)
"""
import gzip
import json
import sqlite3
import sys
import tempfile


def timed_describe(path):
    if path.endswith(".gz"):
        tmp = tempfile.NamedTemporaryFile(suffix=".db", delete=False)
        tmp.write(gzip.open(path).read())
        tmp.close()
        path = tmp.name
    for (text,) in sqlite3.connect(path).execute("select describe_json from cells where engine = 'opencl-optimized'"):
        d = json.loads(text or "{}")
        if d.get("kernel_timings_s"):
            return d
    sys.exit(f"{path}: no opencl-optimized cell with kernel timings (a plan-cache hit has none)")


def quantile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main(argv):
    paths = [a for a in argv if not a.startswith("--")]
    if len(paths) != 2:
        sys.exit(__doc__)
    a, b = (timed_describe(p) for p in paths)
    ta, tb = a["kernel_timings_s"], b["kernel_timings_s"]
    ratios, same, best_a, best_b = [], 0, 0.0, 0.0
    for layer, cands in ta.items():
        if layer not in tb:
            continue
        layer_ratios = sorted(cands[c] / tb[layer][c] for c in cands if c in tb[layer] and tb[layer][c] > 0)
        ratios += layer_ratios
        best_a += min(cands.values())
        best_b += min(tb[layer].values())
        ca, cb = a["kernel_choice_per_node"].get(layer), b["kernel_choice_per_node"].get(layer)
        same += ca == cb
        if "--layers" in argv and layer_ratios:
            print(f"{layer:24s} median {quantile(layer_ratios, 0.5):.3f}  best {1e6 * min(cands.values()):6.1f} / "
                  f"{1e6 * min(tb[layer].values()):6.1f} us  {ca} / {cb}")
    ratios.sort()
    print(f"A / B over {len(ratios)} (layer, candidate) pairs: p10 {quantile(ratios, 0.1):.3f}  p25 "
          f"{quantile(ratios, 0.25):.3f}  median {quantile(ratios, 0.5):.3f}  p75 {quantile(ratios, 0.75):.3f}  p90 "
          f"{quantile(ratios, 0.9):.3f}")
    print(f"sum of each layer's best: {1e3 * best_a:.3f} / {1e3 * best_b:.3f} ms; same choice on {same} of {len(ta)} "
          f"layers; timing phase {a['build_phases_s'].get('kernel_timing', 0):.1f} / "
          f"{b['build_phases_s'].get('kernel_timing', 0):.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
