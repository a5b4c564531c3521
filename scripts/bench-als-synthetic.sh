#!/usr/bin/env bash
# ALS at scale, implicit (PyPI) against Attune on the same synthetic 5,000,000-interaction set
# (100,000 users x 20,000 items) made by the reference generator, all rows with value 1, 64
# factors, 15 iterations, 2 threads: fit and top-10 for all users (seen items excluded). Peak memory
# of each process from /usr/bin/time -v.
#
#   scripts/bench-als-synthetic.sh [PEERS_DIR]     (default ../shared/peers: gen_synthetic.py,
#                                                   bench_als_synthetic.py)
set -euo pipefail
cd "$(dirname "$0")/.."
peers="${1:-../shared/peers}"
csv=data/synthetic/synthetic-5m.csv
if [ ! -x .venv-bench/bin/python ]; then python3 -m venv .venv-bench; fi
.venv-bench/bin/pip install --quiet implicit threadpoolctl scipy numpy pandas
mkdir -p data/synthetic
[ -f "$csv" ] || .venv-bench/bin/python "$peers/gen_synthetic.py" --out "$csv"
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=1
swift build -c release --product attune > /dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v .venv-bench/bin/python "$peers/bench_als_synthetic.py" --csv "$csv" --threads 2 \
    --out data/synthetic/implicit.json 2> data/synthetic/implicit.time
cat data/synthetic/implicit.json; echo
grep -E "Maximum resident|Elapsed" data/synthetic/implicit.time
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -v .build/release/attune bench als --interactions "$csv" --all-rows --threads 2 --repeats 1 \
    2> data/synthetic/attune.time
grep -E "Maximum resident|Elapsed" data/synthetic/attune.time
