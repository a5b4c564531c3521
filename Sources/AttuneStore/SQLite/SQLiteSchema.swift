import GRDB

/// Versioned schema. Migrations are append-only: never edit a shipped one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE workspaces (
                        pk INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        workspace INTEGER NOT NULL REFERENCES workspaces(pk),
                        scope TEXT NOT NULL,
                        digest BLOB NOT NULL UNIQUE,
                        label TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    );
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        id BLOB NOT NULL,
                        type TEXT NOT NULL,
                        user_id TEXT,
                        anonymous_id TEXT,
                        session_id TEXT,
                        item_id TEXT,
                        value REAL,
                        properties TEXT,
                        context TEXT,
                        ts INTEGER NOT NULL,
                        received_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX events_by_id ON events(workspace, id);
                    CREATE INDEX events_by_user ON events(workspace, user_id, seq) WHERE user_id IS NOT NULL;
                    CREATE INDEX events_by_anonymous ON events(workspace, anonymous_id, seq)
                        WHERE anonymous_id IS NOT NULL;
                    CREATE TABLE actors (
                        workspace INTEGER NOT NULL,
                        anonymous INTEGER NOT NULL,
                        actor_id TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        event_count INTEGER NOT NULL,
                        PRIMARY KEY (workspace, anonymous, actor_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE workspace_counters (
                        workspace INTEGER PRIMARY KEY,
                        events INTEGER NOT NULL
                    );
                    CREATE TABLE identities (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        anonymous_id TEXT NOT NULL,
                        linked_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id, anonymous_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX identities_by_anonymous ON identities(workspace, anonymous_id);
                    CREATE TABLE user_traits (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        traits TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE items (
                        workspace INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        title TEXT,
                        description TEXT,
                        categories TEXT NOT NULL,
                        tags TEXT NOT NULL,
                        properties TEXT,
                        available INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-item-embeddings") { db in
            // Vectors are little-endian Float32 blobs; the dimension is the blob's length / 4.
            try db.execute(
                sql: """
                    CREATE TABLE item_embeddings (
                        workspace INTEGER NOT NULL,
                        item_id TEXT NOT NULL,
                        vector BLOB NOT NULL,
                        PRIMARY KEY (workspace, item_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v3-profiles") { db in
            // One column per trait: an update reads and writes a row, not a document to parse.
            try db.execute(
                sql: """
                    CREATE TABLE profiles (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        events INTEGER NOT NULL,
                        types TEXT NOT NULL,
                        sessions INTEGER NOT NULL,
                        closed_ms INTEGER NOT NULL,
                        session_id TEXT,
                        session_start INTEGER NOT NULL,
                        session_last INTEGER NOT NULL,
                        purchases INTEGER NOT NULL,
                        monetary REAL NOT NULL,
                        last_purchase INTEGER,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4-experiments") { db in
            // Exposures keep the first (unit, experiment) only: the primary key is the dedup.
            try db.execute(
                sql: """
                    CREATE TABLE experiments (
                        workspace INTEGER NOT NULL,
                        key TEXT NOT NULL,
                        definition TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, key)
                    ) WITHOUT ROWID;
                    CREATE TABLE exposures (
                        workspace INTEGER NOT NULL,
                        experiment TEXT NOT NULL,
                        unit_id TEXT NOT NULL,
                        variant INTEGER NOT NULL,
                        exposed_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, experiment, unit_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE experiment_actions (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        experiment TEXT NOT NULL,
                        action TEXT NOT NULL,
                        evidence TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX experiment_actions_by_key ON experiment_actions(workspace, experiment, seq);
                    """)
        }
        migrator.registerMigration("v4-key-rates-and-audit") { db in
            // The triggers make accidental edits fail loudly; deliberate tampering (dropping
            // them) is what the hash chain detects.
            try db.execute(
                sql: """
                    ALTER TABLE api_keys ADD COLUMN rate REAL;
                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        workspace TEXT,
                        subject TEXT,
                        detail TEXT,
                        prev_hash BLOB NOT NULL,
                        hash BLOB NOT NULL
                    );
                    CREATE INDEX audit_log_by_action ON audit_log(action, seq);
                    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                    """)
        }
        migrator.registerMigration("v4-segments") { db in
            // Memberships are the current state; entering and leaving are also events in the log.
            // `details` holds a learned segment's explanation as JSON.
            try db.execute(
                sql: """
                    CREATE TABLE segments (
                        workspace INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        rule TEXT,
                        details TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX segments_by_name ON segments(workspace, name);
                    CREATE TABLE segment_memberships (
                        workspace INTEGER NOT NULL,
                        segment_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        entered_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, segment_id, user_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX segment_memberships_by_user ON segment_memberships(workspace, user_id);
                    CREATE TABLE segment_generations (
                        workspace INTEGER PRIMARY KEY,
                        generation INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5-erased-users") { db in
            // Only the SHA-256 of an erased user id is kept: enough to leave the person out of
            // later training, without keeping the id itself.
            try db.execute(
                sql: """
                    CREATE TABLE erased_users (
                        workspace INTEGER NOT NULL,
                        digest BLOB NOT NULL,
                        erased_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, digest)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6-webhooks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE webhooks (
                        workspace INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        url TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        segment TEXT,
                        created_at INTEGER NOT NULL,
                        cursor INTEGER NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at INTEGER NOT NULL,
                        last_error TEXT,
                        PRIMARY KEY (workspace, id)
                    ) WITHOUT ROWID;
                    CREATE TABLE webhook_dead_letters (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        webhook TEXT NOT NULL,
                        event_seq INTEGER NOT NULL,
                        entered INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        segment TEXT NOT NULL,
                        ts INTEGER NOT NULL,
                        error TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX webhook_dead_letters_by_hook ON webhook_dead_letters(workspace, webhook, seq);
                    """)
        }
        migrator.registerMigration("v7-dashboard") { db in
            // Arrival time, for the dashboard's event flow over the last hour or day: without it each
            // chart would scan the whole log. Arrival times only grow, so inserts land at the
            // index's right edge. Segment sizes are kept per sweep, so that sizes over time can
            // be drawn; they hold counts only, nothing about a person.
            try db.execute(
                sql: """
                    CREATE INDEX events_by_arrival ON events(workspace, received_at);
                    CREATE TABLE segment_sizes (
                        workspace INTEGER NOT NULL,
                        segment_id TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        members INTEGER NOT NULL,
                        PRIMARY KEY (workspace, segment_id, at)
                    ) WITHOUT ROWID;
                    CREATE INDEX segment_sizes_by_time ON segment_sizes(workspace, at);
                    """)
        }
        migrator.registerMigration("v7-texts") { db in
            // Mentions are kept per text, so that co-mentions are a join and erasing a person's
            // texts removes every edge their words created.
            try db.execute(
                sql: """
                    CREATE TABLE texts (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        source TEXT NOT NULL,
                        body TEXT NOT NULL,
                        ts INTEGER NOT NULL,
                        item_id TEXT,
                        sentiment REAL,
                        sentiment_label TEXT,
                        entities TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX texts_by_id ON texts(workspace, id);
                    CREATE INDEX texts_by_user ON texts(workspace, user_id, seq);
                    CREATE TABLE text_mentions (
                        text_seq INTEGER NOT NULL,
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        target_kind TEXT NOT NULL,
                        target TEXT NOT NULL,
                        sentiment REAL,
                        ts INTEGER NOT NULL,
                        PRIMARY KEY (text_seq, target_kind, target)
                    ) WITHOUT ROWID;
                    CREATE INDEX text_mentions_by_user ON text_mentions(workspace, user_id, target_kind, target);
                    CREATE INDEX text_mentions_by_target ON text_mentions(workspace, target_kind, target, user_id);
                    """)
        }
        migrator.registerMigration("v7-consent") { db in
            // `choices` is one character per purpose (`1`, `0`, `-` undecided); the generation
            // tells a process that another one changed decisions it holds in memory.
            try db.execute(
                sql: """
                    CREATE TABLE consents (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        choices TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE consent_history (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        choices TEXT NOT NULL,
                        source TEXT NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX consent_history_by_user ON consent_history(workspace, user_id, seq);
                    CREATE TABLE consent_generations (
                        workspace INTEGER PRIMARY KEY,
                        generation INTEGER NOT NULL
                    );
                    CREATE TABLE consent_policy (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        policy TEXT NOT NULL
                    );
                    ALTER TABLE workspace_counters ADD COLUMN withheld INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v7-profile-history") { db in
            // One row per profile version, written with the save that made it; `detail` is
            // compact JSON of what changed and why (see ProfileVersion). A rowid table appended in
            // order with a narrow index, not a WITHOUT ROWID table keyed by user: an appended batch
            // writes a row for nearly every user in it, and placing ~200-byte rows at random user
            // positions dirtied so many pages that ingestion ran at 0.53x instead of 0.68x.
            try db.execute(
                sql: """
                    CREATE TABLE profile_history (
                        seq INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        at INTEGER NOT NULL,
                        cause TEXT NOT NULL,
                        detail TEXT NOT NULL
                    );
                    CREATE UNIQUE INDEX profile_history_by_user ON profile_history(workspace, user_id, version);
                    """)
        }
        migrator.registerMigration("v8-imputed-attributes") { db in
            // Values estimated from behaviour (`attune profiles impute`), kept out of user_traits so
            // that a declared value is never overwritten by a guess and readers can tell them apart.
            try db.execute(
                sql: """
                    CREATE TABLE imputed_attributes (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        attribute TEXT NOT NULL,
                        value TEXT NOT NULL,
                        confidence REAL NOT NULL,
                        imputed_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id, attribute)
                    ) WITHOUT ROWID;
                    CREATE INDEX imputed_attributes_by_attribute ON imputed_attributes(workspace, attribute);
                    """)
        }
        migrator.registerMigration("v8-identity-resolution") { db in
            // Identifiers never hold a raw e-mail address or phone number: the engine stores their
            // keyed hash. Each identifier belongs to the user that brought it first; merged users
            // keep theirs (an unmerge takes them back), and resolution goes through the alias map,
            // which always points straight at the current canonical user (no chains).
            // `declared_sources` keeps each user's declared traits per source, from which the
            // canonical user's `user_traits` row is resolved (source priority, then most recent).
            // Events re-keyed by a merge keep the id they arrived with in `original_user_id`; its
            // partial index holds only those, so ingestion of ordinary events pays nothing for it.
            // Reads of identifiers by user name their index (INDEXED BY): without statistics the
            // planner scanned the whole workspace's identifiers through the primary key instead
            // (6,000 merges took 39 s; see the commit).
            try db.execute(
                sql: """
                    CREATE TABLE user_identifiers (
                        workspace INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        value TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        source TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        PRIMARY KEY (workspace, kind, value)
                    ) WITHOUT ROWID;
                    CREATE INDEX user_identifiers_by_user ON user_identifiers(workspace, user_id);
                    CREATE TABLE user_aliases (
                        workspace INTEGER NOT NULL,
                        alias TEXT NOT NULL,
                        canonical TEXT NOT NULL,
                        merge_id INTEGER NOT NULL,
                        PRIMARY KEY (workspace, alias)
                    ) WITHOUT ROWID;
                    CREATE INDEX user_aliases_by_canonical ON user_aliases(workspace, canonical);
                    CREATE TABLE user_merges (
                        id INTEGER PRIMARY KEY,
                        workspace INTEGER NOT NULL,
                        canonical TEXT NOT NULL,
                        merged TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL,
                        undone_at INTEGER,
                        undone_by TEXT,
                        moved TEXT NOT NULL,
                        shared TEXT NOT NULL
                    );
                    CREATE INDEX user_merges_by_canonical ON user_merges(workspace, canonical);
                    CREATE INDEX user_merges_by_merged ON user_merges(workspace, merged);
                    CREATE TABLE declared_sources (
                        workspace INTEGER NOT NULL,
                        user_id TEXT NOT NULL,
                        source TEXT NOT NULL,
                        traits TEXT NOT NULL,
                        first_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, user_id, source)
                    ) WITHOUT ROWID;
                    INSERT INTO declared_sources (workspace, user_id, source, traits, first_at, updated_at)
                        SELECT workspace, user_id, 'api', traits, updated_at, updated_at FROM user_traits;
                    CREATE TABLE source_priority (
                        workspace INTEGER PRIMARY KEY,
                        sources TEXT NOT NULL
                    );
                    ALTER TABLE events ADD COLUMN original_user_id TEXT;
                    CREATE INDEX events_by_original_user ON events(workspace, original_user_id)
                        WHERE original_user_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v9-merge-blocks") { db in
            // "Do not merge" pairs left by unmerges (a < b, so each pair has one row); automatic
            // resolution looks them up from either side.
            try db.execute(
                sql: """
                    CREATE TABLE merge_blocks (
                        workspace INTEGER NOT NULL,
                        a TEXT NOT NULL,
                        b TEXT NOT NULL,
                        merge_id INTEGER NOT NULL,
                        at INTEGER NOT NULL,
                        PRIMARY KEY (workspace, a, b)
                    ) WITHOUT ROWID;
                    CREATE INDEX merge_blocks_by_b ON merge_blocks(workspace, b);
                    """)
        }
        return migrator
    }
}
