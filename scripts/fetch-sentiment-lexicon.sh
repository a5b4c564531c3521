#!/usr/bin/env bash
# Downloads the VADER sentiment lexicon (MIT licence) for `attune serve --sentiment-lexicon DIR`
# and `attune import texts`: the pinned vaderSentiment 3.3.2 source archive from PyPI, checked
# against its SHA-256, from which vader_lexicon.txt and emoji_utf8_lexicon.txt are extracted.
# The lexicon is data and is never committed to this repository.
#
# Usage: scripts/fetch-sentiment-lexicon.sh DIR [--with-corpus]
#   --with-corpus also extracts the human-rated sentences of Hutto and Gilbert (ICWSM 2014) that
#   ship in the same archive, into DIR/hutto_ICWSM_2014/ (for scripts/bench-text-vs-vader.sh).
#   PYTHON selects the interpreter (default python3).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != "--with-corpus" ]; }; then
  echo "usage: $0 DIR [--with-corpus]" >&2
  exit 2
fi
target="$1"
corpus="${2:-}"
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
"$python" - "$archive" "$target" "$version" "$corpus" <<'PY'
import io, os, sys, tarfile
archive, target, version, corpus = sys.argv[1:]
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
    if corpus:
        inner = tar.extractfile(prefix + "additional_resources/hutto_ICWSM_2014.tar.gz").read()
        os.makedirs(os.path.join(target, "hutto_ICWSM_2014"), exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(inner)) as sentences:
            for member in sentences.getmembers():
                name = os.path.basename(member.name)
                if member.isfile() and name.endswith("_GroundTruth.txt"):
                    data = sentences.extractfile(member).read()
                    with open(os.path.join(target, "hutto_ICWSM_2014", name), "wb") as out:
                        out.write(data)
                    print(f"hutto_ICWSM_2014/{name}: {len(data)} bytes")
PY
echo "lexicon in $target"
