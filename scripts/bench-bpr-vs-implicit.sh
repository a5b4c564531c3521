#!/usr/bin/env bash
# Side-by-side BPR, implicit (PyPI) against Attune, on the same data with the same
# hyper-parameters (64 factors, learning rate 0.01, regularization 0.01, float32, negatives checked
# against the user's items), alternating for ROUNDS rounds so that both see the same machine load.
# Times the fit and top-10 for all users (seen items excluded), prints NDCG@10 on the held-out part
# where there is one, and the peak memory of each process from /usr/bin/time -v. One implicit
# iteration and one Attune epoch both draw as many samples as there are interactions.
#
#   scripts/bench-bpr-vs-implicit.sh [DATASET] [THREADS] [ROUNDS] [EPOCHS]
#
# DATASET ml-100k (default): the MovieLens 100k training split of the evaluation protocol, 5 timed
# runs per round, 100 epochs by default. DATASET synthetic: every row of the reference
# 5,000,000-interaction set (made by ../shared/peers/gen_synthetic.py, or PEERS_DIR), 1 run per
# round, 20 epochs by default (a 100-epoch fit there takes minutes on each side).
# Makes a throwaway virtual environment in .venv-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset="${1:-ml-100k}"
threads="${2:-2}"
rounds="${3:-3}"
peers="${PEERS_DIR:-../shared/peers}"
if [ ! -x .venv-bench/bin/python ]; then
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --quiet implicit==0.7.2 threadpoolctl scipy numpy pandas || \
        .venv-bench/bin/pip install --quiet implicit threadpoolctl scipy numpy pandas
fi
case "$dataset" in
    ml-100k)
        file=data/ml-100k/ml-100k.inter
        [ -f "$file" ] || scripts/fetch-movielens.sh data/ml-100k
        epochs="${4:-100}"; repeats=5; scope=()
        ;;
    synthetic)
        file=data/synthetic/synthetic-5m.csv
        mkdir -p data/synthetic
        [ -f "$file" ] || .venv-bench/bin/python "$peers/gen_synthetic.py" --out "$file"
        epochs="${4:-20}"; repeats=1; scope=(--all-rows)
        ;;
    *)
        echo "usage: $0 [ml-100k|synthetic] [THREADS] [ROUNDS] [EPOCHS]" >&2
        exit 2
        ;;
esac
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
swift build -c release --product attune > /dev/null
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Peak memory and CPU seconds of the whole process (loading included) from /usr/bin/time -v.
report() {
    awk -F': ' -v who="$1" '/Maximum resident/ { rss = $2 } /User time/ { user = $2 } /System time/ { sys = $2 }
        END { printf "%s process: peak RSS %.0f MB, CPU %.1f s\n", who, rss / 1024, user + sys }' "$log"
}
for round in $(seq "$rounds"); do
    echo "round $round, load: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v -o "$log" .venv-bench/bin/python scripts/bench_implicit_bpr.py "$file" "${scope[@]}" \
        --threads "$threads" --repeats "$repeats" --epochs "$epochs"
    report "implicit BPR"
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -v -o "$log" .build/release/attune bench bpr --interactions "$file" "${scope[@]}" \
        --threads "$threads" --repeats "$repeats" --epochs "$epochs"
    report "attune BPR"
done
