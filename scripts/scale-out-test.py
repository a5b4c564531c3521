#!/usr/bin/env python3
"""Scale-out integration test: API replicas and workers as separate processes on one store.

    python3 scripts/scale-out-test.py [--attune .build/debug/attune] [--store postgres://USER:PASS@HOST:PORT/DB]

Without --store every process shares one SQLite data directory; with it, every process is given
the URL and a data directory of its own. Starts two `attune serve --role api` replicas and two
`attune worker` processes with a short retraining schedule, then checks that:

1. events sent concurrently to both replicas (some with the same id sent to both at once) are
   each stored exactly once, and every profile counts exactly its stored events;
2. a retraining published by the leading worker is served by both replicas within seconds;
3. after SIGKILL of the leading worker, the other one leads within seconds and publishes the next
   retraining, which both replicas serve;
4. after SIGKILL of a replica in the middle of a stream of event batches, every batch it
   acknowledged (2xx) is stored, exactly once.

Prints a summary with timings; exits 1 on any failed check, 2 when the cluster cannot be set up.
Every process is ended and the temporary folder removed at exit (also on Ctrl-C); --keep keeps
the folder with each process's output. Checks concern this run's own users (ids with a random
prefix), so a PostgreSQL database that already holds data is fine, though an empty one is best.
"""

import argparse
import os
import random
import signal
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_out_cluster import Client, Cluster, ClusterError, load_average  # noqa: E402

EVENT_TYPES = ("view", "view", "view", "click", "purchase")


class Failure(Exception):
    pass


class Report:
    def __init__(self):
        self.rows = []
        self.failed = False

    def add(self, name, ok, seconds, detail):
        self.rows.append((name, ok, seconds, detail))
        self.failed |= not ok
        mark = "ok  " if ok else "FAIL"
        print(f"[{mark}] {name} ({seconds:.1f} s): {detail}", flush=True)


class Run:
    """The shared state of one test run: cluster, users and every acknowledged event id."""

    def __init__(self, args, cluster):
        self.args = args
        self.cluster = cluster
        self.prefix = f"so{uuid.uuid4().hex[:8]}"
        self.users = [f"{self.prefix}-u{n:03d}" for n in range(args.users)]
        self.items = [f"{self.prefix}-i{n:03d}" for n in range(args.items)]
        self.acknowledged = set()
        self.lock = threading.Lock()

    def event(self, rng, user=None):
        kind = rng.choice(EVENT_TYPES)
        event = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "type": kind,
            "userId": user or rng.choice(self.users),
            "itemId": rng.choice(self.items),
        }
        if kind == "purchase":
            event["value"] = round(rng.uniform(1, 100), 2)
        return event

    def acknowledge(self, ids):
        with self.lock:
            self.acknowledged.update(ids)


def post_batch(client, batch):
    """POSTs a batch; returns True when every event in it was stored or is a duplicate (2xx)."""
    status, body = client.request("POST", "/v1/events", {"batch": batch})
    if not 200 <= status < 300 or body is None:
        raise Failure(f"POST /v1/events answered {status}: {str(body)[:300]}")
    if body.get("rejected") or body.get("accepted", 0) + body.get("duplicates", 0) != len(batch):
        raise Failure(f"POST /v1/events stored part of a batch: {str(body)[:300]}")
    if sorted(body.get("ids", [])) != sorted(e["id"] for e in batch):
        raise Failure("POST /v1/events answered other ids than the batch's")
    return body


def stored_events(run, port):
    """Every stored event id of the run's users, by user, read through one replica."""
    client = Client(port, run.cluster.admin_key)
    by_user = {}
    for user in run.users:
        ids, cursor = [], None
        while True:
            path = f"/v1/users/{user}/events?limit=1000" + (f"&cursor={cursor}" if cursor else "")
            status, body = client.request("GET", path)
            if status != 200:
                raise Failure(f"GET {path} answered {status}: {str(body)[:200]}")
            ids += [e["id"].lower() for e in body["events"]]
            cursor = body.get("nextCursor")
            if not cursor:
                break
        by_user[user] = ids
    client.close()
    return by_user


def profile_counts(run, port):
    """The profile event count of each of the run's users (GET /v1/users pages)."""
    client = Client(port, run.cluster.admin_key)
    counts, cursor = {}, None
    wanted = set(run.users)
    while True:
        path = "/v1/users?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        status, body = client.request("GET", path)
        if status != 200:
            raise Failure(f"GET {path} answered {status}: {str(body)[:200]}")
        for row in body["users"]:
            if row["userId"] in wanted:
                counts[row["userId"]] = int(row["events"])
        cursor = body.get("nextCursor")
        if not cursor:
            break
    client.close()
    return counts


def check_stored_once(run, port, expected, label):
    """Every id in `expected` stored exactly once; no event of the run's users stored twice."""
    by_user = stored_events(run, port)
    every = [i for ids in by_user.values() for i in ids]
    seen, twice = set(), set()
    for i in every:
        (twice if i in seen else seen).add(i)
    missing = {i.lower() for i in expected} - seen
    problems = []
    if missing:
        problems.append(f"{len(missing)} acknowledged events missing (e.g. {sorted(missing)[:3]})")
    if twice:
        problems.append(f"{len(twice)} events stored more than once (e.g. {sorted(twice)[:3]})")
    counts = profile_counts(run, port)
    off = {u: (counts.get(u, 0), len(ids)) for u, ids in by_user.items() if counts.get(u, 0) != len(ids)}
    if off:
        sample = ", ".join(f"{u}: profile {c} vs {n} stored" for u, (c, n) in list(off.items())[:3])
        problems.append(f"{len(off)} profiles do not count their stored events ({sample})")
    if problems:
        raise Failure(f"{label}: " + "; ".join(problems))
    return len(every), len(seen)


def send_events(run, port_a, port_b, rng):
    """Phase 1: `args.events` events in batches from several threads to both replicas, plus
    `args.duplicates` events sent to both replicas at the same moment."""
    args = run.args
    events = [run.event(rng) for _ in range(args.events)]
    shared = [run.event(rng) for _ in range(args.duplicates)]
    batch = args.batch
    # Threads alternate replicas; the shared events go to both, each in the same batch position.
    chunks = [events[i:i + batch] for i in range(0, len(events), batch)]
    shared_chunks = [shared[i:i + batch] for i in range(0, len(shared), batch)]
    jobs = [(c, (port_a if n % 2 == 0 else port_b,)) for n, c in enumerate(chunks)]
    jobs += [(c, (port_a, port_b)) for c in shared_chunks]
    random.Random(rng.random()).shuffle(jobs)
    errors = []
    next_job = [0]
    lock = threading.Lock()
    replies = {"accepted": 0, "duplicates": 0}

    def sender(number):
        clients = {port_a: Client(port_a, run.cluster.write_key), port_b: Client(port_b, run.cluster.write_key)}
        while not errors:
            with lock:
                if next_job[0] >= len(jobs):
                    break
                chunk, ports = jobs[next_job[0]]
                next_job[0] += 1
            try:
                if len(ports) == 1:
                    bodies = [post_batch(clients[ports[0]], chunk)]
                else:
                    # The same batch to both replicas at once: one stores it, the other finds duplicates.
                    results = [None, None]

                    def twin(i, port):
                        try:
                            results[i] = post_batch(Client(port, run.cluster.write_key), chunk)
                        except Exception as error:  # noqa: BLE001 - reported below
                            results[i] = error

                    threads = [threading.Thread(target=twin, args=(i, p)) for i, p in enumerate(ports)]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                    for r in results:
                        if isinstance(r, Exception):
                            raise r
                    bodies = results
                run.acknowledge(e["id"] for e in chunk)
                with lock:
                    for body in bodies:
                        replies["accepted"] += body["accepted"]
                        replies["duplicates"] += body["duplicates"]
            except Exception as error:  # noqa: BLE001 - the first error fails the phase
                errors.append(f"sender {number}: {error}")
        for c in clients.values():
            c.close()

    started = time.monotonic()
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(args.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    if errors:
        raise Failure(errors[0])
    unique = len(events) + len(shared)
    if replies["accepted"] != unique:
        raise Failure(f"replicas reported {replies['accepted']} accepted events for {unique} distinct ones "
                      f"({replies['duplicates']} duplicates)")
    return unique, seconds, replies


def recommend_version(port, key, user):
    status, body = Client(port, key, timeout=10).request("GET", f"/v1/users/{user}/recommendations?count=5")
    if status != 200:
        raise Failure(f"GET recommendations answered {status}: {str(body)[:200]}")
    return body.get("modelVersion")


def wait_served(run, replicas, version, since, timeout):
    """Seconds from `since` until each replica answers with a model version >= `version`."""
    waits = {}
    deadline = since + timeout
    user = run.users[0]
    while len(waits) < len(replicas):
        for replica in replicas:
            if replica.name in waits:
                continue
            served = recommend_version(replica.port, run.cluster.admin_key, user)
            if served is not None and served >= version:
                waits[replica.name] = time.monotonic() - since
        if len(waits) == len(replicas):
            break
        if time.monotonic() > deadline:
            late = [r.name for r in replicas if r.name not in waits]
            raise Failure(f"{', '.join(late)} did not serve model version {version} within {timeout:.0f} s "
                          f"(serving {[recommend_version(r.port, run.cluster.admin_key, user) for r in replicas]})")
        time.sleep(0.05)
    return waits


def retrain(run, worker, port, rng, timeout):
    """Sends the schedule's minimum of new events through `port` and waits for `worker` to finish
    a retraining it started after them; sends that many again whenever 3 s pass without one (a
    retraining already running when the events came may have counted only some of them).
    Returns (the version, when its line was seen)."""
    before = len(worker.retrained_versions())
    deadline = time.monotonic() + timeout
    while True:
        send_trigger(run, port, rng, run.args.retrain_min_events)
        fed = time.monotonic()
        while time.monotonic() - fed < 3:
            versions = worker.retrained_versions()
            if len(versions) > before:
                return max(versions[before:]), time.monotonic()
            if not worker.alive():
                raise Failure(f"{worker.name} exited while a retraining was awaited\n{worker.tail()}")
            if time.monotonic() > deadline:
                raise Failure(f"{worker.name} finished no retraining within {timeout:.0f} s\n{worker.tail()}")
            time.sleep(0.05)


def send_trigger(run, port, rng, count):
    """Sends `count` new events through one replica."""
    client = Client(port, run.cluster.write_key)
    events = [run.event(rng) for _ in range(count)]
    for i in range(0, count, run.args.batch):
        chunk = events[i:i + run.args.batch]
        post_batch(client, chunk)
        run.acknowledge(e["id"] for e in chunk)
    client.close()


def the_leader(workers, timeout):
    """The one worker that says it leads; fails when none or both do."""
    deadline = time.monotonic() + timeout
    while True:
        leading = [w for w in workers if w.alive() and w.leads()]
        if len(leading) == 1:
            return leading[0]
        if len(leading) > 1:
            raise Failure(f"more than one worker says it leads: {[w.name for w in leading]}")
        if time.monotonic() > deadline:
            raise Failure(f"no worker logged '{'leadership acquired'}' within {timeout:.0f} s; "
                          "the leader cannot be told from the output")
        time.sleep(0.05)


def kill_replica_while_sending(run, victim, rng):
    """SIGKILLs `victim` while two threads send it small batches; returns (acknowledged ids,
    ids of batches without an answer)."""
    acked, unanswered, errors = [], [], []
    lock = threading.Lock()
    stop = threading.Event()
    batches_acked = [0]

    def sender():
        client = Client(victim.port, run.cluster.write_key, timeout=10)
        while not stop.is_set():
            chunk = [run.event(rng) for _ in range(run.args.kill_batch)]
            try:
                post_batch(client, chunk)
            except Failure as error:
                errors.append(str(error))
                break
            except Exception:  # noqa: BLE001 - the replica died under this request
                with lock:
                    unanswered.extend(e["id"] for e in chunk)
                break
            with lock:
                acked.extend(e["id"] for e in chunk)
                batches_acked[0] += 1
        client.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while batches_acked[0] < run.args.kill_after and time.monotonic() < deadline:
        time.sleep(0.01)
    victim.kill(signal.SIGKILL)
    killed_after = batches_acked[0]
    for t in threads:
        t.join(timeout=30)
    stop.set()
    if errors:
        raise Failure(f"{victim.name} refused a batch: {errors[0]}")
    if killed_after < run.args.kill_after:
        raise Failure(f"{victim.name} acknowledged only {killed_after} batches in 30 s before the kill")
    return acked, unanswered


def interrupt(signum, frame):
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attune", default=".build/debug/attune", help="the attune executable")
    parser.add_argument("--store", help="postgres://USER:PASS@HOST:PORT/DB (default: one shared SQLite data directory)")
    parser.add_argument("--events", type=int, default=4000, help="distinct events sent in the first phase")
    parser.add_argument("--duplicates", type=int, default=400, help="of which sent to both replicas at once")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--batch", type=int, default=50, help="events per POST in the first phase")
    parser.add_argument("--kill-batch", type=int, default=10, help="events per POST while a replica is killed")
    parser.add_argument("--kill-after", type=int, default=40, help="batches the replica acknowledges before its SIGKILL")
    parser.add_argument("--senders", type=int, default=6, help="client threads of the first phase")
    parser.add_argument("--retrain-min-events", type=int, default=500)
    parser.add_argument("--retrain-model", default="als")
    parser.add_argument("--model-deadline", type=float, default=10, help="seconds for both replicas to serve a new model")
    parser.add_argument("--leader-deadline", type=float, default=10, help="seconds for the other worker to lead")
    parser.add_argument("--retrain-deadline", type=float, default=120, help="seconds to wait for a retraining")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and the processes' output")
    args = parser.parse_args()

    rng = random.Random(20261130)
    report = Report()
    # SIGTERM (a CI timeout) unwinds like Ctrl-C, through the cleanup below.
    signal.signal(signal.SIGTERM, interrupt)
    try:
        cluster = Cluster(
            args.attune, store=args.store, keep=args.keep,
            extra_serve=["--rate-limit", "0", "--model-poll-seconds", "0.5", "--promotion-margin", "1"],
            extra_worker=["--retrain-seconds", "1", "--retrain-min-events", str(args.retrain_min_events),
                          "--retrain-model", args.retrain_model, "--retrain-time-budget", "0",
                          "--model-poll-seconds", "0.5", "--promotion-margin", "1"])
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"store: {cluster.mode}; attune: {cluster.attune}; folder: {cluster.folder}; load average: {load_average()}")
    started = time.monotonic()
    try:
        run = Run(args, cluster)
        t = time.monotonic()
        # All four at once: start-up on a fresh store (migrations, key provisioning) races here too.
        replicas = [cluster.start_replica("replica-a"), cluster.start_replica("replica-b")]
        workers = [cluster.start_worker("worker-1"), cluster.start_worker("worker-2")]
        try:
            for r in replicas:
                cluster.wait_listening(r)
            for w in workers:
                cluster.wait_worker_started(w)
            leader = the_leader(workers, timeout=30)
        except (ClusterError, Failure) as error:
            report.add("start 2 replicas and 2 workers", False, time.monotonic() - t, str(error))
            raise
        report.add("start 2 replicas and 2 workers", True, time.monotonic() - t,
                   f"ports {replicas[0].port}, {replicas[1].port}; {leader.name} leads")
        a, b = replicas

        # 1. Concurrent ingestion through both replicas, duplicates included.
        t = time.monotonic()
        try:
            unique, seconds, replies = send_events(run, a.port, b.port, rng)
            rows, distinct = check_stored_once(run, b.port, run.acknowledged, "after ingestion")
            report.add("events through both replicas stored once", True, time.monotonic() - t,
                       f"{unique} distinct events ({args.duplicates} sent to both replicas at once) in {seconds:.1f} s "
                       f"= {unique / seconds:.0f} events/s; {replies['duplicates']} answered as duplicates; "
                       f"{rows} stored rows, profiles agree")
        except Failure as error:
            report.add("events through both replicas stored once", False, time.monotonic() - t, str(error))

        # 2. A retraining by the leader reaches both replicas.
        t = time.monotonic()
        try:
            version, published = retrain(run, leader, a.port, rng, args.retrain_deadline)
            waits = wait_served(run, replicas, version, published, args.model_deadline)
            report.add("retrained model served by both replicas", True, time.monotonic() - t,
                       f"{leader.name} published version {version}; served "
                       + ", ".join(f"{n} after {s:.2f} s" for n, s in sorted(waits.items())))
        except Failure as error:
            report.add("retrained model served by both replicas", False, time.monotonic() - t, str(error))
            version = 0

        # 3. SIGKILL of the leader: the other worker leads and retrains.
        t = time.monotonic()
        try:
            other = next(w for w in workers if w is not leader)
            if other.leads():
                raise Failure(f"{other.name} says it leads while {leader.name} does")
            if cluster.mode == "sqlite":
                holder = open(os.path.join(cluster.shared_data, "worker.lock")).read().strip()
                if holder != str(leader.pid):
                    raise Failure(f"worker.lock holds {holder!r}, not the leader's pid {leader.pid}")
            leader.kill(signal.SIGKILL)
            killed = time.monotonic()
            other.wait_for(lambda text: "leadership acquired" in text, args.leader_deadline, "leadership")
            took_over = time.monotonic() - killed
            new_version, published = retrain(run, other, b.port, rng, args.retrain_deadline)
            if new_version <= version:
                raise Failure(f"the new leader published version {new_version}, not above {version}")
            waits = wait_served(run, replicas, new_version, published, args.model_deadline)
            report.add("leader killed, the other worker leads", True, time.monotonic() - t,
                       f"{other.name} led {took_over:.2f} s after SIGKILL of {leader.name}; published version "
                       f"{new_version}, served " + ", ".join(f"{n} after {s:.2f} s" for n, s in sorted(waits.items())))
        except (Failure, ClusterError, OSError) as error:
            report.add("leader killed, the other worker leads", False, time.monotonic() - t, str(error))

        # 4. SIGKILL of a replica under load: what it acknowledged is stored.
        t = time.monotonic()
        try:
            acked, unanswered = kill_replica_while_sending(run, b, rng)
            run.acknowledge(acked)
            rows, distinct = check_stored_once(run, a.port, run.acknowledged, "after the replica's SIGKILL")
            stored = {i for ids in stored_events(run, a.port).values() for i in ids}
            in_flight = sum(1 for i in unanswered if i.lower() in stored)
            report.add("replica killed under load loses no acknowledged event", True, time.monotonic() - t,
                       f"{len(acked)} events acknowledged by {b.name} before SIGKILL, all stored once; "
                       f"{len(unanswered)} sent or about to be sent without an answer, {in_flight} of them stored; "
                       f"{rows} rows in all")
        except Failure as error:
            report.add("replica killed under load loses no acknowledged event", False, time.monotonic() - t, str(error))
    except KeyboardInterrupt:
        report.add("interrupted (Ctrl-C or SIGTERM)", False, time.monotonic() - started, "processes ended")
    except (ClusterError, Failure) as error:
        print(f"error: {error}", file=sys.stderr)
        report.failed = True
    finally:
        if report.failed:
            print("last output of each process:")
            cluster.dump_logs()
        cluster.close()

    print()
    print(f"scale-out test, {cluster.mode}, {time.monotonic() - started:.0f} s, load average {load_average()}:")
    for name, ok, seconds, detail in report.rows:
        print(f"  {'ok  ' if ok else 'FAIL'} {seconds:6.1f} s  {name}")
    passed = sum(1 for row in report.rows if row[1])
    print(f"{passed} passed, {len(report.rows) - passed} failed")
    return 1 if report.failed or not report.rows else 0


if __name__ == "__main__":
    sys.exit(main())
