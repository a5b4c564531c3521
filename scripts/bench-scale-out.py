#!/usr/bin/env python3
"""Ingestion events/s and recommendation latency against 1 and against 2 API replicas.

    python3 scripts/bench-scale-out.py [--attune .build/release/attune] [--store postgres://USER:PASS@HOST:PORT/DB]

For each replica count (--replicas, default "1,2") a new cluster is started on the store (without
--store, one new SQLite data directory shared by every process; with it, the URL, each process
having a data directory of its own):

1. ingestion: --connections client connections, spread evenly over the replicas, POST batches of
   --batch events (random users and items, ids given by the server) for --seconds; the figure is
   stored events per second (2xx answers only);
2. a worker is started and trains the model (ALS); once every replica serves it,
3. recommendations: GET /v1/users/{random user}/recommendations at an offered load of --rate
   requests/s, spread over the replicas, open loop: every request has a scheduled send time and
   its latency counts from that time, so a slow server cannot slow the load down. A warm-up of
   --warmup seconds at the same load is not counted.

With --store, every replica count runs on the same database, so later runs find the earlier ones'
events (and train on them too): give each invocation an empty database and one replica count
(--replicas 1, then --replicas 2 on another) for figures that compare like with like.

Prints a table; the load generator is this Python process (its CPU time is printed beside each
figure: on a small machine it competes with the servers). Standard library only.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_out_cluster import Client, Cluster, ClusterError, load_average  # noqa: E402


def batches(users, items, size, count, seed):
    rng = random.Random(seed)
    kinds = ("view", "view", "view", "click", "purchase")
    bodies = []
    for _ in range(count):
        batch = []
        for _ in range(size):
            kind = rng.choice(kinds)
            event = {"type": kind, "userId": rng.choice(users), "itemId": rng.choice(items)}
            if kind == "purchase":
                event["value"] = round(rng.uniform(1, 100), 2)
            batch.append(event)
        bodies.append(json.dumps({"batch": batch}).encode())
    return bodies


def ingest(cluster, replicas, bodies, batch, connections, seconds):
    """Closed loop: each connection POSTs the next batch as soon as the previous one is answered."""
    stored = [0] * connections
    errors = [0] * connections
    stop = time.monotonic() + seconds

    def sender(n):
        client = Client(replicas[n % len(replicas)].port, cluster.write_key)
        i = n
        while time.monotonic() < stop:
            body = bodies[i % len(bodies)]
            i += connections
            try:
                status, answer = client.request("POST", "/v1/events", body)
            except OSError:
                errors[n] += 1
                continue
            if 200 <= status < 300 and answer:
                stored[n] += answer.get("accepted", 0)
            else:
                errors[n] += 1
        client.close()

    cpu = os.times()
    started = time.monotonic()
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    used = os.times()
    client_cpu = (used.user - cpu.user + used.system - cpu.system) / elapsed
    return sum(stored) / elapsed, sum(errors), client_cpu


def open_loop(cluster, replicas, users, rate, seconds, senders, count):
    """Latencies (s) of requests sent at `rate`/s for `seconds`, counted from their scheduled times."""
    total = int(rate * seconds)
    latencies, errors = [], [0]
    lock = threading.Lock()
    next_index = [0]
    start = time.monotonic() + 0.2
    rng = random.Random(5)
    paths = [f"/v1/users/{rng.choice(users)}/recommendations?count={count}" for _ in range(min(total, 50_000))]

    def sender(n):
        clients = [Client(r.port, cluster.admin_key, timeout=30) for r in replicas]
        mine = []
        while True:
            with lock:
                k = next_index[0]
                next_index[0] += 1
            if k >= total:
                break
            scheduled = start + k / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                status, _ = clients[k % len(clients)].request("GET", paths[k % len(paths)])
                ok = status == 200
            except OSError:
                ok = False
            if ok:
                mine.append(time.monotonic() - scheduled)
            else:
                with lock:
                    errors[0] += 1
        for c in clients:
            c.close()
        with lock:
            latencies.extend(mine)

    cpu = os.times()
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    used = os.times()
    client_cpu = (used.user - cpu.user + used.system - cpu.system) / elapsed
    return sorted(latencies), errors[0], elapsed, client_cpu


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def serve_model(cluster, replicas, user, timeout):
    """Starts a worker that trains once, and waits until every replica serves its model."""
    worker = cluster.start_worker("worker")
    cluster.wait_worker_started(worker)
    started = time.monotonic()
    worker.wait_for(lambda text: "retraining finished" in text, timeout, "retraining")
    trained = time.monotonic() - started
    deadline = time.monotonic() + 60
    for r in replicas:
        while True:
            status, body = Client(r.port, cluster.admin_key).request("GET", f"/v1/users/{user}/recommendations")
            if status == 200 and body.get("modelVersion") is not None:
                break
            if time.monotonic() > deadline:
                raise ClusterError(f"{r.name} serves no model 60 s after the training\n{r.tail()}")
            time.sleep(0.1)
    # Training is over: the worker would only compete for the CPU from here on.
    worker.stop()
    return trained


def run_one(args, replica_count, bodies, users):
    cluster = Cluster(
        args.attune, store=args.store, keep=args.keep,
        extra_serve=["--rate-limit", "0", "--model-poll-seconds", "0.5", "--promotion-margin", "1",
                     "--log-level", "warning"],
        extra_worker=["--retrain-seconds", "1", "--retrain-min-events", "1", "--retrain-model", "als",
                      "--retrain-time-budget", "0", "--promotion-margin", "1"])
    try:
        replicas = [cluster.start_replica(f"replica-{n + 1}") for n in range(replica_count)]
        for r in replicas:
            cluster.wait_listening(r)
        load_before = load_average()
        events_per_second, ingest_errors, ingest_cpu = ingest(
            cluster, replicas, bodies, args.batch, args.connections, args.seconds)
        print(f"  {replica_count} replica(s): ingestion {events_per_second:,.0f} events/s "
              f"({ingest_errors} errors, client CPU {ingest_cpu:.2f} cores)", flush=True)
        trained = serve_model(cluster, replicas, users[0], args.train_timeout)
        print(f"  {replica_count} replica(s): model trained and served ({trained:.1f} s)", flush=True)
        open_loop(cluster, replicas, users, args.rate, args.warmup, args.senders, args.count)
        latencies, errors, elapsed, rec_cpu = open_loop(
            cluster, replicas, users, args.rate, args.measure_seconds, args.senders, args.count)
        row = {
            "replicas": replica_count,
            "events_per_second": events_per_second,
            "ingest_errors": ingest_errors,
            "ingest_client_cpu": ingest_cpu,
            "offered": args.rate,
            "achieved": len(latencies) / elapsed,
            "p50": percentile(latencies, 50) * 1000,
            "p99": percentile(latencies, 99) * 1000,
            "max": (latencies[-1] if latencies else float("nan")) * 1000,
            "rec_errors": errors,
            "rec_client_cpu": rec_cpu,
            "load_before": load_before,
            "load_after": load_average(),
        }
        print(f"  {replica_count} replica(s): recommendations at {args.rate}/s: p50 {row['p50']:.1f} ms, "
              f"p99 {row['p99']:.1f} ms ({errors} errors, client CPU {rec_cpu:.2f} cores)", flush=True)
        return row
    except ClusterError:
        cluster.dump_logs()
        raise
    finally:
        cluster.close()


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, interrupt)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attune", default=".build/release/attune")
    parser.add_argument("--store", help="postgres://USER:PASS@HOST:PORT/DB (default: a new shared SQLite data directory)")
    parser.add_argument("--replicas", default="1,2", help="comma-separated replica counts to measure")
    parser.add_argument("--seconds", type=float, default=15, help="seconds of ingestion")
    parser.add_argument("--batch", type=int, default=100, help="events per POST")
    parser.add_argument("--connections", type=int, default=8, help="ingestion connections in all")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=300, help="offered recommendation requests/s in all")
    parser.add_argument("--measure-seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--senders", type=int, default=16, help="threads (connections per replica each) of the open loop")
    parser.add_argument("--count", type=int, default=10, help="recommendations per request")
    parser.add_argument("--train-timeout", type=float, default=300)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    prefix = f"b{random.randrange(16**6):06x}"
    users = [f"{prefix}-u{n}" for n in range(args.users)]
    items = [f"{prefix}-i{n}" for n in range(args.items)]
    bodies = batches(users, items, args.batch, 400, seed=1)
    mode = "postgresql" if args.store else "sqlite"
    print(f"store {mode}; {os.cpu_count()} CPUs; load average {load_average()}; attune {args.attune}")
    rows = []
    try:
        for count in [int(x) for x in args.replicas.split(",")]:
            rows.append(run_one(args, count, bodies, users))
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

    print()
    print(f"store {mode}, {os.cpu_count()} CPUs; ingestion: {args.connections} connections x batches of {args.batch}, "
          f"{args.seconds:.0f} s; recommendations: {args.rate:.0f}/s offered, open loop, {args.measure_seconds:.0f} s")
    print("| replicas | events/s | ingest errors | rec achieved/s | p50 ms | p99 ms | max ms | rec errors | load avg before -> after |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['replicas']} | {r['events_per_second']:,.0f} | {r['ingest_errors']} | {r['achieved']:.0f} | "
              f"{r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['rec_errors']} | "
              f"{r['load_before']} -> {r['load_after']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
