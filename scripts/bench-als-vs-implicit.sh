#!/usr/bin/env bash
# Side-by-side ALS training time, implicit (PyPI) against Attune, on the same MovieLens 100k
# training split with the same hyper-parameters, alternating for ROUNDS rounds so that both see
# the same machine load. Makes a throwaway virtual environment in .venv-bench.
#
#   scripts/bench-als-vs-implicit.sh [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
rounds="${2:-3}"
data=data/ml-100k
[ -f "$data/ml-100k.inter" ] || scripts/fetch-movielens.sh "$data"
if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet implicit==0.7.2 threadpoolctl scipy numpy || \
        .venv-bench/bin/pip install --quiet implicit threadpoolctl scipy numpy
fi
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
swift build -c release --product attune > /dev/null
for round in $(seq "$rounds"); do
    echo "round $round, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    .venv-bench/bin/python scripts/bench_implicit_als.py "$data/ml-100k.inter" --threads "$threads" --repeats 5
    .build/release/attune bench als --interactions "$data/ml-100k.inter" --repeats 5 --threads "$threads"
done
