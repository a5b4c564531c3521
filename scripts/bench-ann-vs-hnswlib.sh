#!/usr/bin/env bash
# hnswlib (PyPI) and Attune's HNSW index back to back on the same 200,000 x 64 vectors, same
# settings (M 16, ef_construction 200), single-thread queries. Makes a throwaway virtual
# environment in .venv-ann and the data file in data/ann.
#
#   scripts/bench-ann-vs-hnswlib.sh [l2|ip] [BUILD_THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
metric="${1:-l2}"
threads="${2:-2}"
efs="${EFS:-40,50,80,100,150,200}"
if [ ! -x .venv-ann/bin/python ]; then
    python3 -m venv .venv-ann
    .venv-ann/bin/pip install --quiet hnswlib numpy
fi
mkdir -p data/ann
file="data/ann/ann-$metric.bin"
[ -f "$file" ] || .venv-ann/bin/python scripts/ann_data.py --metric "$metric" --out "$file"
case "$metric" in
    l2) space=l2; ours=euclidean ;;
    ip) space=ip; ours=innerProduct ;;
    *) echo "metric must be l2 or ip" >&2; exit 2 ;;
esac
swift build -c release --product attune > /dev/null
.venv-ann/bin/python scripts/ann_peer.py "$file" --space "$space" --m 16 --ef-construction 200 --ef "$efs" \
    --build-threads "$threads" --repeats 3
.build/release/attune bench ann "$file" --metric "$ours" --m 16 --ef-construction 200 --ef "$efs" \
    --build-threads "$threads" --repeats 3
