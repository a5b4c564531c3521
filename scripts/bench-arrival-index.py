# What the events(workspace, received_at) index (migration v7-dashboard, for the dashboard's
# event-flow charts) costs at insert time, measured in SQLite itself (python's sqlite3 module, C code)
# on the events table and indexes of the v1 schema, WAL, page_size 16384, 1,000 events per commit,
# random 16-byte ids. Usage: python3 scripts/bench-arrival-index.py [EVENTS]
import os, random, shutil, sqlite3, sys, tempfile, time
OUT = tempfile.mkdtemp(prefix="attune-arrival-index-")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
BATCH = 1000
def run(with_index, seed=1):
    path = f"{OUT}/ev_{with_index}.db"
    for suffix in ("", "-wal", "-shm"):
        try: os.remove(path + suffix)
        except FileNotFoundError: pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA page_size = 16384"); db.execute("PRAGMA journal_mode = WAL"); db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -131072")
    db.executescript("""
      CREATE TABLE events (seq INTEGER PRIMARY KEY, workspace INTEGER NOT NULL, id BLOB NOT NULL, type TEXT NOT NULL,
        user_id TEXT, anonymous_id TEXT, session_id TEXT, item_id TEXT, value REAL, properties TEXT, context TEXT,
        ts INTEGER NOT NULL, received_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX events_by_id ON events(workspace, id);
      CREATE INDEX events_by_user ON events(workspace, user_id, seq) WHERE user_id IS NOT NULL;
      CREATE INDEX events_by_anonymous ON events(workspace, anonymous_id, seq) WHERE anonymous_id IS NOT NULL;
    """)
    if with_index:
        db.execute("CREATE INDEX events_by_arrival ON events(workspace, received_at)")
    rng = random.Random(seed)
    now = 1_767_225_600_000
    rows = [(1, rng.randbytes(16), "view", f"user-{rng.randrange(50_000)}", None, None, f"sku-{rng.randrange(5_000)}",
             now + i, now + i) for i in range(N)]
    start = time.perf_counter()
    for b in range(0, N, BATCH):
        db.execute("BEGIN")
        db.executemany("INSERT INTO events (workspace, id, type, user_id, anonymous_id, session_id, item_id, ts, received_at) VALUES (?,?,?,?,?,?,?,?,?)", rows[b:b+BATCH])
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    size = os.path.getsize(path) + os.path.getsize(path + "-wal")
    db.close()
    return elapsed, size
for rep in range(3):
    for flag in (False, True):
        e, s = run(flag, seed=rep)
        print(f"index={flag} rep={rep} {N/e:,.0f} events/s  {s/1e6:.1f} MB")
shutil.rmtree(OUT)
