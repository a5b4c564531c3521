#!/usr/bin/env python3
"""Times implicit's CPU BPR for a side-by-side ratio with `attune bench bpr`: on the MovieLens
100k training split (DESIGN.md section 6) or, with --all-rows, on every row of a CSV such as the
reference synthetic 5M set. Same hyper-parameters as the Attune side (defaults: 64 factors,
learning rate 0.01, regularization 0.01, 100 iterations, the reference baseline's setting),
float32 factors, negative samples verified against the user's items. One implicit iteration draws
as many samples as the matrix has entries, as one Attune epoch does. Then top-10 for all users in
one `recommend` call, excluding seen items.

Usage: bench_implicit_bpr.py FILE [--threads 2] [--repeats 5] [--factors 64] [--epochs 100]
                             [--learning-rate 0.01] [--regularization 0.01] [--all-rows] [--no-recommend]
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
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--all-rows", action="store_true", help="every row of a CSV, value 1, no split")
    parser.add_argument("--no-recommend", action="store_true")
    args = parser.parse_args()
    matrix, held_out = load(args.inter, args.all_rows)
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    def fit():
        model = BayesianPersonalizedRanking(
            factors=args.factors, learning_rate=args.learning_rate, regularization=args.regularization,
            iterations=args.epochs, random_state=42, num_threads=args.threads)
        with threadpool_limits(limits={"blas": 1, "openmp": args.threads}):
            model.fit(matrix, show_progress=False)
        return model

    model = timed(f"implicit BPR fit threads={args.threads}", args.repeats, fit)
    if not args.no_recommend:
        recommend_all(model, matrix, held_out, "implicit BPR", args.threads, args.repeats)


if __name__ == "__main__":
    main()
