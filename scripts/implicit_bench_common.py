"""What bench_implicit_als.py and bench_implicit_bpr.py share: the same training matrix as
`attune bench als|bpr` builds, median timings printed in the same form, and top-10 for all users
with NDCG@10 on the held-out part computed as RankingMetrics does."""
import math
import statistics
import time
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def protocol_split(path):
    """Per user, sorted by (timestamp, item id): all but the last 10 are training, the rest held out.
    Returns (users x items CSR of ones, held-out item columns per user)."""
    by_user = defaultdict(list)
    with open(path) as f:
        header = [h.split(":")[0] for h in f.readline().rstrip("\n").split("\t")]
        u, i, t = header.index("user_id"), header.index("item_id"), header.index("timestamp")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            by_user[int(cells[u])].append((int(float(cells[t])), int(cells[i])))
    users = sorted(by_user)
    items = sorted({item for rows in by_user.values() for _, item in rows})
    column = {item: k for k, item in enumerate(items)}
    rows, cols, held_out = [], [], []
    for r, user in enumerate(users):
        ordered = sorted(by_user[user])
        for _, item in ordered[:-10]:
            rows.append(r)
            cols.append(column[item])
        held_out.append([column[item] for _, item in ordered[-10:]])
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(users), len(items))), held_out


def all_rows(path):
    """Every row of a user_id,item_id,timestamp CSV with value 1 (the reference scale benchmark's
    loading), and no held-out part."""
    import pandas as pd

    df = pd.read_csv(path, usecols=["user_id", "item_id"], dtype={"user_id": np.int64, "item_id": np.int64})
    u_codes, users = pd.factorize(df["user_id"], sort=True)
    i_codes, items = pd.factorize(df["item_id"], sort=True)
    matrix = sp.csr_matrix((np.ones(len(df), dtype=np.float32), (u_codes, i_codes)), shape=(len(users), len(items)))
    matrix.sum_duplicates()
    matrix.sort_indices()
    matrix.data[:] = 1
    return matrix, []


def load(path, use_all_rows):
    start = time.perf_counter()
    matrix, held_out = all_rows(path) if use_all_rows else protocol_split(path)
    print(f"loaded {matrix.shape[0]} users x {matrix.shape[1]} items, {matrix.nnz} interactions "
          f"in {time.perf_counter() - start:.1f} s")
    return matrix, held_out


def timed(label, repeats, body):
    """Runs body() repeats times, prints the runs and their median; returns the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = body()
        times.append(time.perf_counter() - start)
    print(f"{label}: runs {[round(t, 3) for t in times]} median {statistics.median(times):.3f} s")
    return result


def ndcg_at_10(lists, held_out):
    total, users = 0.0, 0
    for ranked, truth in zip(lists, held_out):
        truth = set(truth)
        if not truth:
            continue
        dcg = sum(1 / math.log2(r + 2) for r, item in enumerate(ranked[:10]) if item in truth)
        ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(truth))))
        total += dcg / ideal
        users += 1
    return total / max(users, 1), users


def recommend_all(model, matrix, held_out, label, threads, repeats):
    """Times model.recommend for every user in one batch call, as implicit's users do."""
    userids = np.arange(matrix.shape[0])

    def batch():
        with threadpool_limits(limits={"blas": threads, "openmp": threads}):
            return model.recommend(userids, matrix, N=10, filter_already_liked_items=True)

    ids, _ = timed(f"{label} recommend-all top-10 threads={threads}", repeats, batch)
    if held_out:
        ndcg, users = ndcg_at_10([[int(i) for i in row if i >= 0] for row in ids], held_out)
        print(f"{label} test NDCG@10 {ndcg:.4f} ({users} users)")
