#!/usr/bin/env python3
"""Times implicit's CPU ALS on the MovieLens 100k training split (DESIGN.md section 6: per user,
sorted by (timestamp, item id), all but the last 10 interactions), for a side-by-side ratio with
`attune bench als`. Same hyper-parameters: 64 factors, regularization 0.05, alpha 5,
15 iterations, conjugate gradient; BLAS limited to one thread for fitting as implicit recommends.
Then top-10 for all users in one `recommend` call, excluding seen items.

Usage: bench_implicit_als.py FILE [--threads 2] [--repeats 5] [--all-rows] [--no-recommend]
"""
import argparse
import os
import sys

from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from implicit_bench_common import load, recommend_all, timed  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inter")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--all-rows", action="store_true", help="every row of a CSV, value 1, no split")
    parser.add_argument("--no-recommend", action="store_true")
    args = parser.parse_args()
    matrix, held_out = load(args.inter, args.all_rows)
    from implicit.cpu.als import AlternatingLeastSquares

    def fit():
        model = AlternatingLeastSquares(
            factors=64, regularization=0.05, alpha=5.0, iterations=15, random_state=42, num_threads=args.threads)
        with threadpool_limits(limits={"blas": 1, "openmp": args.threads}):
            model.fit(matrix, show_progress=False)
        return model

    model = timed(f"implicit ALS fit threads={args.threads}", args.repeats, fit)
    if not args.no_recommend:
        recommend_all(model, matrix, held_out, "implicit ALS", args.threads, args.repeats)


if __name__ == "__main__":
    main()
