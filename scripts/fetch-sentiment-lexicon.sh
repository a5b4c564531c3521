#!/usr/bin/env bash
# Downloads the VADER sentiment lexicon (MIT licence) for `attune serve --sentiment-lexicon DIR`
# and `attune import texts`: the pinned vaderSentiment 3.3.2 source archive from PyPI, checked
# against its SHA-256, from which vader_lexicon.txt and emoji_utf8_lexicon.txt are extracted.
# The lexicon is data and is never committed to this repository.
#
# Usage: scripts/fetch-sentiment-lexicon.sh DIR   (PYTHON selects the interpreter, default python3)
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
target="$1"
python="${PYTHON:-python3}"
version=3.3.2
sha256=5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "vadersentiment==$version --hash=sha256:$sha256" > "$work/requirements.txt"
"$python" -m pip download --quiet --no-deps --no-binary vadersentiment --require-hashes \
  -r "$work/requirements.txt" -d "$work"
archive="$work/vaderSentiment-$version.tar.gz"
[ -f "$archive" ] || { echo "the archive was not downloaded" >&2; ls -l "$work" >&2; exit 1; }

mkdir -p "$target"
"$python" - "$archive" "$target" "$version" <<'PY'
import os, sys, tarfile
archive, target, version = sys.argv[1:]
prefix = f"vaderSentiment-{version}/"
wanted = {
    prefix + "vaderSentiment/vader_lexicon.txt": "vader_lexicon.txt",
    prefix + "vaderSentiment/emoji_utf8_lexicon.txt": "emoji_utf8_lexicon.txt",
    prefix + "LICENSE.txt": "LICENSE.vaderSentiment.txt",
}
with tarfile.open(archive) as tar:
    for member, name in wanted.items():
        data = tar.extractfile(member).read()
        with open(os.path.join(target, name), "wb") as out:
            out.write(data)
        print(f"{name}: {len(data)} bytes")
PY
echo "lexicon in $target"
