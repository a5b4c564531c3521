#!/usr/bin/env python3
"""Times implicit's CPU ALS on the MovieLens 100k training split (DESIGN.md section 6: per user,
sorted by (timestamp, item id), all but the last 10 interactions), for a side-by-side ratio with
`attune bench als`. Same hyper-parameters: 64 factors, regularization 0.05, alpha 5,
15 iterations, conjugate gradient; BLAS limited to one thread as implicit recommends.

Usage: bench_implicit_als.py ml-100k.inter [--threads 2] [--repeats 5]
"""
import argparse
import statistics
import time
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def training_matrix(path):
    by_user = defaultdict(list)
    with open(path) as f:
        header = [h.split(":")[0] for h in f.readline().rstrip("\n").split("\t")]
        u, i, t = header.index("user_id"), header.index("item_id"), header.index("timestamp")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            by_user[int(cells[u])].append((int(float(cells[t])), int(cells[i])))
    users = sorted(by_user)
    items = sorted({item for rows in by_user.values() for _, item in rows})
    column = {item: k for k, item in enumerate(items)}
    rows, cols = [], []
    for r, user in enumerate(users):
        for _, item in sorted(by_user[user])[:-10]:
            rows.append(r)
            cols.append(column[item])
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(users), len(items)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inter")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    matrix = training_matrix(args.inter)
    from implicit.cpu.als import AlternatingLeastSquares

    times = []
    for _ in range(args.repeats):
        model = AlternatingLeastSquares(
            factors=64, regularization=0.05, alpha=5.0, iterations=15, random_state=42, num_threads=args.threads)
        with threadpool_limits(limits={"blas": 1, "openmp": args.threads}):
            start = time.perf_counter()
            model.fit(matrix, show_progress=False)
            times.append(time.perf_counter() - start)
    print(f"implicit ALS fit threads={args.threads}: runs {[round(t, 3) for t in times]} "
          f"median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
