#!/usr/bin/env python3
"""hnswlib on the file written by ann_data.py, measured like `attune bench ann`.

Same settings as ann-bench: M, ef_construction, random_seed, ef_search list; build with
--build-threads threads; queries ONE thread, all queries in one knn_query call, repeated
--repeats times, best and median QPS.
Prints recall@10, QPS (wall, and per CPU second of this process), build seconds, RSS growth and peak RSS, the share of the machine's CPUs
other processes used (foreign) and the load average.

Usage: ann_peer.py FILE [--space l2|ip] [--m 16] [--ef-construction 200] [--ef 50,100,200]
                        [--build-threads 2] [--repeats 3]
"""
import argparse
import os
import resource
import statistics
import struct
import time

import numpy as np


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:4] == b"ANN1"
    n, nq, d, k = struct.unpack("<4I", raw[4:20])
    o = 20
    base = np.frombuffer(raw, dtype="<f4", count=n * d, offset=o).reshape(n, d)
    o += n * d * 4
    q = np.frombuffer(raw, dtype="<f4", count=nq * d, offset=o).reshape(nq, d)
    o += nq * d * 4
    gt = np.frombuffer(raw, dtype="<i4", count=nq * k, offset=o).reshape(nq, k)
    return np.ascontiguousarray(base), np.ascontiguousarray(q), gt, k


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine_busy_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")


def timed(fn):
    """(result, wall s, this process's CPU s, share of the machine other processes used)."""
    m0, c0 = machine_busy_s(), time.process_time()
    t0 = time.perf_counter()
    r = fn()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    foreign = max(0.0, (machine_busy_s() - m0) - cpu)
    return r, wall, cpu, foreign / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--space", choices=["l2", "ip", "cosine"], default="l2")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    ap.add_argument("--ef", default="50,100,200")
    ap.add_argument("--build-threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--save", help="write the built index here")
    ap.add_argument("--load", help="skip the build: load an index saved with --save")
    a = ap.parse_args()
    import hnswlib

    base, q, gt, k = load(a.file)
    n, d = base.shape
    print(f"data: n={n} nq={len(q)} dim={d} k={k} space={a.space} loadavg={loadavg()}")
    rss0 = rss_mb()
    idx = hnswlib.Index(space=a.space, dim=d)
    if a.load:
        _, build_s, _, build_foreign = timed(lambda: idx.load_index(a.load, max_elements=n))
    else:
        idx.init_index(max_elements=n, ef_construction=a.ef_construction, M=a.m, random_seed=a.seed)
        idx.set_num_threads(a.build_threads)
        _, build_s, _, build_foreign = timed(lambda: idx.add_items(base, np.arange(n)))
    if a.save:
        idx.save_index(a.save)
    rss_growth = rss_mb() - rss0
    print(f"{'(loaded) ' if a.load else ''}build: threads={a.build_threads} {build_s:.2f} s foreign={build_foreign:.2f} loadavg={loadavg()} "
          f"rss_growth={rss_growth:.1f} MB peak_rss={peak_rss_mb():.1f} MB")
    idx.set_num_threads(1)
    print("| lib | M | efC | efS | recall@10 | QPS 1T best | QPS 1T median | QPS per CPU s (best) | foreign | loadavg |")
    for ef in [int(x) for x in a.ef.split(",")]:
        idx.set_ef(ef)
        walls, cpus, foreigns, labels = [], [], [], None
        for _ in range(a.repeats):
            (labels, _), wall, cpu, foreign = timed(lambda: idx.knn_query(q, k=k, num_threads=1))
            walls.append(wall)
            cpus.append(cpu)
            foreigns.append(foreign)
        recall = float(np.mean([len(set(f.tolist()) & set(g.tolist())) / k for f, g in zip(labels, gt)]))
        print(f"| hnswlib {hnswlib.__version__ if hasattr(hnswlib, '__version__') else '0.8.0'} | {a.m} | "
              f"{a.ef_construction} | {ef} | {recall:.4f} | {len(q) / min(walls):.0f} | "
              f"{len(q) / statistics.median(walls):.0f} | {len(q) / min(cpus):.0f} | {max(foreigns):.2f} | {loadavg()} |")


if __name__ == "__main__":
    main()
