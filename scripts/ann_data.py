#!/usr/bin/env python3
"""Writes the ANN benchmark data set as one binary file read by both `ann-bench` and ann_peer.py.

Data as the reference ANN benchmark generates it: seed 11, 200,000 base + 1,000 query
vectors, 64-d float32, 100 centres ~ N(0, I), each vector = a uniformly chosen centre +
0.35 * N(0, I); exact L2 top-10 ground truth by numpy brute force in float64 (ties by index).
With --metric ip the ground truth is the exact inner-product top-10 instead (same vectors).

File layout (little-endian): magic b"ANN1", then UInt32 n, nq, dim, k, then n*dim float32 base
rows, nq*dim float32 query rows, nq*k int32 ground-truth ids (best first).
"""
import argparse
import struct
import time

import numpy as np

N, NQ, D, C, SEED, K = 200_000, 1_000, 64, 100, 11, 10


def generate():
    rng = np.random.default_rng(SEED)
    centers = rng.standard_normal((C, D))
    lab = rng.integers(0, C, size=N + NQ)
    X = (centers[lab] + 0.35 * rng.standard_normal((N + NQ, D))).astype(np.float32)
    return X[:N], X[N:]


def ground_truth(base, q, metric):
    b64 = base.astype(np.float64)
    bn = (b64 * b64).sum(1)
    gt = np.empty((len(q), K), dtype=np.int64)
    for s in range(0, len(q), 100):
        qq = q[s:s + 100].astype(np.float64)
        if metric == "l2":
            d = (qq * qq).sum(1)[:, None] - 2 * qq @ b64.T + bn[None, :]
        else:
            d = -(qq @ b64.T)
        part = np.argpartition(d, K, axis=1)[:, :K + 1]
        for r in range(len(qq)):
            c = part[r]
            o = np.lexsort((c, d[r, c]))
            gt[s + r] = c[o[:K]]
    return gt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--metric", choices=["l2", "ip"], default="l2")
    a = ap.parse_args()
    t0 = time.perf_counter()
    base, q = generate()
    gt = ground_truth(base, q, a.metric)
    with open(a.out, "wb") as f:
        f.write(b"ANN1")
        f.write(struct.pack("<4I", N, NQ, D, K))
        f.write(np.ascontiguousarray(base, dtype="<f4").tobytes())
        f.write(np.ascontiguousarray(q, dtype="<f4").tobytes())
        f.write(np.ascontiguousarray(gt, dtype="<i4").tobytes())
    print(f"wrote {a.out} ({a.metric}) in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
