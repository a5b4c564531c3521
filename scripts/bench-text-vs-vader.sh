#!/usr/bin/env bash
# Customer-text sentiment against the reference: throughput of `attune bench text` and of the
# Python vaderSentiment 3.3.2 on the same sentences, agreement of their compound scores, and
# accuracy of both against the human ratings of Hutto and Gilbert (ICWSM 2014).
#
# Usage: scripts/bench-text-vs-vader.sh DATA_DIR
#   DATA_DIR holds the lexicon and hutto_ICWSM_2014/ (scripts/fetch-sentiment-lexicon.sh DATA_DIR --with-corpus).
# Env: ATTUNE (default .build/release/attune), VENV (default .venv-text: a virtual environment
#      with vaderSentiment==3.3.2 is created there when missing), THREADS (default 2).
set -euo pipefail
if [ $# -ne 1 ]; then echo "usage: $0 DATA_DIR" >&2; exit 2; fi
data="$1"
attune="${ATTUNE:-.build/release/attune}"
venv="${VENV:-.venv-text}"
threads="${THREADS:-2}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "vaderSentiment==3.3.2"
fi

echo "== attune, $threads threads"
"$attune" bench text --lexicon "$data" --corpus "$data/hutto_ICWSM_2014" --threads "$threads" --scores "$work/attune.tsv" \
  | tee "$work/attune.txt"
echo "== attune, 1 thread"
"$attune" bench text --lexicon "$data" --corpus "$data/hutto_ICWSM_2014" --threads 1 | tee "$work/attune1.txt"

"$venv/bin/python" - "$data/hutto_ICWSM_2014" "$work/attune.tsv" "$work/attune.txt" "$work/attune1.txt" <<'PY'
import glob, math, os, sys, time
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

corpus_dir, scores_path, bench2, bench1 = sys.argv[1:]
rows = []
for path in sorted(glob.glob(os.path.join(corpus_dir, "*_GroundTruth.txt"))):
    name = os.path.basename(path)[: -len("_GroundTruth.txt")]
    with open(path, encoding="utf-8") as f:
        data = f.read()
    for line in data.split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        if not line:
            continue
        fields = line.split("\t", 2)
        if len(fields) == 3:
            rows.append((name, fields[0], float(fields[1]), fields[2]))
ours = []
with open(scores_path, encoding="utf-8") as f:
    next(f)
    for line in f:
        corpus, ident, _, compound = line.rstrip("\n").split("\t")
        ours.append((corpus, ident, float(compound)))
assert len(ours) == len(rows), (len(ours), len(rows))
assert all(o[0] == r[0] and o[1] == r[1] for o, r in zip(ours, rows)), "rows differ"

analyzer = SentimentIntensityAnalyzer()
short = [r[3] for r in rows if len(r[3]) < 300]
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for text in short:
        analyzer.polarity_scores(text)
    best = min(best, time.perf_counter() - start)
python_rate = len(short) / best
reference = [analyzer.polarity_scores(r[3])["compound"] for r in rows]
mine = [o[2] for o in ours]
human = [r[2] for r in rows]

def pearson(a, b):
    n = len(a); ma = sum(a) / n; mb = sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = sum((x - ma) ** 2 for x in a); vb = sum((y - mb) ** 2 for y in b)
    return cov / math.sqrt(va * vb)

def label(c):
    return "pos" if c >= 0.05 else "neg" if c <= -0.05 else "neu"

def rate(path):
    for line in open(path):
        if line.startswith("sentiment:"):
            return float(line.split()[1])

same = sum(label(a) == label(b) for a, b in zip(mine, reference)) / len(rows)
mad = sum(abs(a - b) for a, b in zip(mine, reference)) / len(rows)
exact = sum(abs(a - round(b, 4)) <= 0.00005 for a, b in zip(mine, reference)) / len(rows)
print()
print(f"texts: {len(rows)} (agreement and accuracy); {len(short)} under 300 characters (throughput)")
print(f"agreement with vaderSentiment 3.3.2: Pearson r = {pearson(mine, reference):.6f}, identical labels {same:.4%}, "
      f"mean |difference| = {mad:.6f}, equal to 4 places {exact:.4%}")
# Accuracy against the human mean rating (-4..+4): correlation, and sign agreement on the texts
# humans did not rate 0, counting a neutral label as a miss, then only where the label is not neutral.
corpora = sorted(set(r[0] for r in rows))
for name, scores in (("attune", mine), ("vaderSentiment", reference)):
    for corpus in corpora + ["all"]:
        pick = [i for i, r in enumerate(rows) if corpus == "all" or r[0] == corpus]
        h = [human[i] for i in pick]; s = [scores[i] for i in pick]
        rated = [(a, b) for a, b in zip(h, s) if a != 0]
        sign = sum((a > 0 and label(b) == "pos") or (a < 0 and label(b) == "neg") for a, b in rated) / len(rated)
        decided = [(a, b) for a, b in rated if label(b) != "neu"]
        sign_decided = sum((a > 0) == (label(b) == "pos") for a, b in decided) / len(decided)
        print(f"{name:>15} {corpus:>21}: n {len(pick):5}, Pearson r vs human {pearson(h, s):.3f}, "
              f"sign agreement {sign:.3f} (neutral = miss, n {len(rated)}), {sign_decided:.3f} (labelled texts, n {len(decided)})")
two, one = rate(bench2), rate(bench1)
print(f"throughput (texts/s, under 300 characters): attune {two:,.0f} on {os.environ.get('THREADS', '2')} threads, "
      f"{one:,.0f} on 1; vaderSentiment (Python, 1 process) {python_rate:,.0f}; "
      f"ratio {two / python_rate:.1f}x ({one / python_rate:.1f}x per core)")
PY
