#!/usr/bin/env bash
# Fetch MovieLens 100k (GroupLens) as packaged inside the recbole 1.2.1 wheel on PyPI.
#
#   scripts/fetch-movielens.sh DIR
#
# Writes DIR/ml-100k.inter, DIR/ml-100k.item and DIR/ml-100k.user (tab separated, RecBole's typed
# headers) and checks their SHA-256. Only `pip download` is used; nothing is installed. The data
# set stays out of the repository: load it with `attune import movielens DIR`.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
target="$1"
python="${PYTHON:-python3}"
wheel_dir="$(mktemp -d)"
trap 'rm -rf "$wheel_dir"' EXIT

"$python" -m pip download --quiet --no-deps --only-binary :all: "recbole==1.2.1" -d "$wheel_dir"
wheel="$(ls "$wheel_dir"/recbole-1.2.1-*.whl | head -n 1)"
mkdir -p "$target"
for name in ml-100k.inter ml-100k.item ml-100k.user; do
    "$python" - "$wheel" "recbole/dataset_example/ml-100k/$name" "$target/$name" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
done

cd "$target"
sha256sum -c - <<'SUMS'
4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff  ml-100k.inter
51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532  ml-100k.item
4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972  ml-100k.user
SUMS
echo "MovieLens 100k in $target: $(($(wc -l < ml-100k.inter) - 1)) ratings, $(($(wc -l < ml-100k.item) - 1)) items, $(($(wc -l < ml-100k.user) - 1)) users"
