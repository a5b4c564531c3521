/// The PostgreSQL schema, as an ordered list of migrations. Append new ones at the end with a new
/// name; never edit one that has shipped (databases record migrations by name).
///
/// Times are milliseconds since the epoch in `BIGINT`, as in the SQLite store, so that both
/// stores hand back identical values. Event ids are `UUID` (16 bytes, as SQLite's blob).
/// Free text (`properties`, `context`) stays `TEXT`, not `JSONB`: it is returned byte for byte as
/// it was sent, and JSONB would reorder keys.
package enum PostgresSchema {
    package static let migrations: [PostgresMigration] = [
        PostgresMigration("v1-workspaces-events", [
            """
            CREATE TABLE workspaces (
                pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                scope TEXT NOT NULL,
                digest BYTEA NOT NULL UNIQUE,
                label TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT,
                rate DOUBLE PRECISION
            )
            """,
            "CREATE INDEX api_keys_by_label ON api_keys(workspace, label)",
            // `seq` is the log order. Appends to one workspace hold a transaction lock, so within
            // a workspace sequence order is commit order and a reader paging with `seq > cursor`
            // never skips a row that commits later with a smaller number.
            """
            CREATE TABLE events (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                id UUID NOT NULL,
                type TEXT NOT NULL,
                user_id TEXT,
                anonymous_id TEXT,
                session_id TEXT,
                item_id TEXT,
                value DOUBLE PRECISION,
                properties TEXT,
                context TEXT,
                ts BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                original_user_id TEXT
            )
            """,
            // The arbiter of ON CONFLICT: an event id is stored once per workspace.
            "CREATE UNIQUE INDEX events_by_id ON events(workspace, id)",
            "CREATE INDEX events_by_workspace ON events(workspace, seq)",
            "CREATE INDEX events_by_user ON events(workspace, user_id, seq) WHERE user_id IS NOT NULL",
            "CREATE INDEX events_by_anonymous ON events(workspace, anonymous_id, seq) WHERE anonymous_id IS NOT NULL",
            // Who was seen, for the stats' user and visitor counts without scanning the log.
            """
            CREATE TABLE actors (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                anonymous BOOLEAN NOT NULL,
                actor_id TEXT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                event_count BIGINT NOT NULL,
                PRIMARY KEY (workspace, anonymous, actor_id)
            )
            """,
            """
            CREATE TABLE workspace_counters (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                events BIGINT NOT NULL DEFAULT 0,
                withheld BIGINT NOT NULL DEFAULT 0
            )
            """,
            // Anonymous ids linked to users: the event reads of a user include them. Written by
            // the identity store (not yet on PostgreSQL); read by the event store.
            """
            CREATE TABLE identities (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                anonymous_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                linked_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id, anonymous_id)
            )
            """,
            "CREATE INDEX identities_by_anonymous ON identities(workspace, anonymous_id)",
            // Consent decisions, read by appends to withhold the events of people without
            // analytics consent. `choices` is one character per purpose (`1`, `0`, `-`), in
            // ConsentPurpose order, as in the SQLite store.
            """
            CREATE TABLE consents (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT NOT NULL,
                choices TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id)
            )
            """,
            """
            CREATE TABLE consent_policy (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                policy TEXT NOT NULL
            )
            """,
        ]),
        PostgresMigration("v2-experiments-webhooks-audit", [
            """
            CREATE TABLE experiments (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                key TEXT NOT NULL,
                definition TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, key)
            )
            """,
            // The primary key is the arbiter of sticky assignment: replicas racing to expose one
            // unit insert with ON CONFLICT DO NOTHING, and the first committed variant stays.
            """
            CREATE TABLE exposures (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                experiment TEXT NOT NULL,
                unit_id TEXT NOT NULL,
                variant BIGINT NOT NULL,
                exposed_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, experiment, unit_id)
            )
            """,
            // Exposures of one person across experiments, for export and erasure.
            "CREATE INDEX exposures_by_unit ON exposures(workspace, unit_id)",
            """
            CREATE TABLE experiment_actions (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                experiment TEXT NOT NULL,
                action TEXT NOT NULL,
                evidence TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX experiment_actions_by_key ON experiment_actions(workspace, experiment, seq)",
            """
            CREATE TABLE webhooks (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                id TEXT NOT NULL,
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                segment TEXT,
                created_at BIGINT NOT NULL,
                cursor BIGINT NOT NULL,
                attempts BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                last_error TEXT,
                PRIMARY KEY (workspace, id)
            )
            """,
            """
            CREATE TABLE webhook_dead_letters (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                webhook TEXT NOT NULL,
                event_seq BIGINT NOT NULL,
                entered BOOLEAN NOT NULL,
                user_id TEXT NOT NULL,
                segment TEXT NOT NULL,
                ts BIGINT NOT NULL,
                error TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webhook_dead_letters_by_hook ON webhook_dead_letters(workspace, webhook, seq)",
            // Segment changes are read from the event log by type; without this index each
            // delivery round would scan every event after the cursor.
            """
            CREATE INDEX events_segment_changes ON events(workspace, seq)
            WHERE type IN ('segment_entered', 'segment_left') AND user_id IS NOT NULL
            """,
            // `seq` is numbered by the appender (previous + 1 under a lock), not by an identity:
            // the hash chain seals it and the verifier reads a gap as deleted rows, and an
            // identity leaves gaps when a transaction rolls back. `workspace` is the name, as on
            // SQLite: an audit row outlives nothing it points to and names what it saw.
            """
            CREATE TABLE audit_log (
                seq BIGINT PRIMARY KEY,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                workspace TEXT,
                subject TEXT,
                detail TEXT,
                prev_hash BYTEA NOT NULL,
                hash BYTEA NOT NULL
            )
            """,
            "CREATE INDEX audit_log_by_action ON audit_log(action, seq)",
            // Accidental edits fail loudly; deliberate tampering (dropping the triggers) is what
            // the hash chain detects.
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END
            $$
            """,
            """
            CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
            """,
            """
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()
            """,
        ]),
        // Consent as the consent store keeps it: each process holds the decisions in memory and
        // compares generations to learn of other processes' writes. A write bumps the
        // workspace's generation and stamps the rows it wrote with it, so a process reads only
        // the rows newer than what it holds; `cleared` is the generation at which rows were last
        // deleted (erasure), which a process holding an older one answers by reading them all.
        PostgresMigration("v2-consent", [
            "ALTER TABLE consents ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
            "CREATE INDEX consents_by_generation ON consents(workspace, generation)",
            "ALTER TABLE consent_policy ADD COLUMN generation BIGINT NOT NULL DEFAULT 0",
            """
            CREATE TABLE consent_generations (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                generation BIGINT NOT NULL,
                cleared BIGINT NOT NULL DEFAULT 0
            )
            """,
            // Each change with only the purposes it decided, in `seq` order.
            """
            CREATE TABLE consent_history (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT NOT NULL,
                choices TEXT NOT NULL,
                source TEXT NOT NULL,
                at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX consent_history_by_user ON consent_history(workspace, user_id, seq)",
        ]),
        // Profiles, their history, declared traits and segments, kept by appends and identify in
        // their own transactions. Ids that are paged or listed in order (`user_id > cursor ORDER
        // BY user_id`) are `COLLATE "C"`: byte order, as SQLite and Swift sort, whatever the
        // database's locale, with indexes that serve those ranges.
        PostgresMigration("v2-profiles-segments", [
            """
            CREATE TABLE profiles (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                events BIGINT NOT NULL,
                types TEXT NOT NULL,
                sessions BIGINT NOT NULL,
                closed_ms BIGINT NOT NULL,
                session_id TEXT,
                session_start BIGINT NOT NULL,
                session_last BIGINT NOT NULL,
                purchases BIGINT NOT NULL,
                monetary DOUBLE PRECISION NOT NULL,
                last_purchase BIGINT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id)
            )
            """,
            // One row per profile version, written with the save that made it (see ProfileVersion).
            """
            CREATE TABLE profile_history (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT COLLATE "C" NOT NULL,
                version BIGINT NOT NULL,
                at BIGINT NOT NULL,
                cause TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX profile_history_by_user ON profile_history(workspace, user_id, version)",
            // What each user declared per source (a JSON object, merge-patched by each call), and
            // the resolved declaration that reads and segment rules use.
            """
            CREATE TABLE declared_sources (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT COLLATE "C" NOT NULL,
                source TEXT COLLATE "C" NOT NULL,
                traits TEXT NOT NULL,
                first_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id, source)
            )
            """,
            """
            CREATE TABLE user_traits (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT COLLATE "C" NOT NULL,
                traits TEXT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id)
            )
            """,
            // `details` holds a learned segment's explanation as JSON.
            """
            CREATE TABLE segments (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                id TEXT COLLATE "C" NOT NULL,
                name TEXT COLLATE "C" NOT NULL,
                kind TEXT NOT NULL,
                rule TEXT,
                details TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, id)
            )
            """,
            "CREATE UNIQUE INDEX segments_by_name ON segments(workspace, name)",
            // Memberships are the current state; entering and leaving are also events in the log.
            """
            CREATE TABLE segment_memberships (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                segment_id TEXT COLLATE "C" NOT NULL,
                user_id TEXT COLLATE "C" NOT NULL,
                entered_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, segment_id, user_id)
            )
            """,
            "CREATE INDEX segment_memberships_by_user ON segment_memberships(workspace, user_id)",
            // Bumped by every segment write: each process's compiled rules are reused only while
            // the generation it compiled them at is still the stored one.
            """
            CREATE TABLE segment_generations (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                generation BIGINT NOT NULL
            )
            """,
        ]),
        PostgresMigration("v2-jobs-models", [
            // Work for the workers: claimed with FOR UPDATE SKIP LOCKED, so that concurrent
            // claimers never wait on, or take, each other's rows. `attempts` counts claims: the
            // pair (id, attempts) names one claim, and a worker whose lease ran out (another
            // holds the job now) can no longer complete or fail it.
            """
            CREATE TABLE jobs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind TEXT NOT NULL,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                payload TEXT NOT NULL,
                dedup_key TEXT,
                state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead', 'superseded')),
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                run_after BIGINT NOT NULL,
                lease_until BIGINT,
                claimed_by TEXT,
                last_error TEXT,
                created_at BIGINT NOT NULL,
                finished_at BIGINT
            )
            """,
            "CREATE INDEX jobs_ready ON jobs(kind, run_after, id) WHERE state = 'pending'",
            "CREATE INDEX jobs_leased ON jobs(kind, lease_until) WHERE state = 'running'",
            // One pending job per deduplication key: asking ten times for a retraining makes one.
            "CREATE UNIQUE INDEX jobs_pending_dedup ON jobs(kind, workspace, dedup_key) WHERE state = 'pending' AND dedup_key IS NOT NULL",
            // Published model versions: the files of `models/<workspace>/` (the snapshot and its
            // index), each cut into chunks so that no row, and no protocol message, holds a whole
            // model. A version row and all its chunks commit in one transaction with the
            // announcement; `sha256` and `bytes` let a reader refuse a damaged copy.
            """
            CREATE TABLE model_versions (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                version INTEGER NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, version)
            )
            """,
            """
            CREATE TABLE model_files (
                workspace BIGINT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                bytes BIGINT NOT NULL,
                sha256 BYTEA NOT NULL,
                chunks INTEGER NOT NULL,
                PRIMARY KEY (workspace, version, name),
                FOREIGN KEY (workspace, version) REFERENCES model_versions(workspace, version) ON DELETE CASCADE
            )
            """,
            """
            CREATE TABLE model_chunks (
                workspace BIGINT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                chunk INTEGER NOT NULL,
                data BYTEA NOT NULL,
                PRIMARY KEY (workspace, version, name, chunk),
                FOREIGN KEY (workspace, version, name) REFERENCES model_files(workspace, version, name) ON DELETE CASCADE
            )
            """,
            // Chunks are already compressed-looking floats: TOAST compression would cost CPU for nothing.
            "ALTER TABLE model_chunks ALTER COLUMN data SET STORAGE EXTERNAL",
        ]),
        PostgresMigration("v2-catalogue-texts", [
            // Ids and names that are sorted and paged on are `COLLATE "C"`: byte order, as SQLite
            // compares text, whatever the database's locale, and the index serves the order.
            """
            CREATE TABLE items (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                id TEXT COLLATE "C" NOT NULL,
                title TEXT,
                description TEXT,
                categories TEXT NOT NULL,
                tags TEXT NOT NULL,
                properties TEXT,
                available BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, id)
            )
            """,
            // Vectors are little-endian Float32 bytes, as in SQLite: the dimension is the length / 4.
            """
            CREATE TABLE item_embeddings (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                item_id TEXT COLLATE "C" NOT NULL,
                vector BYTEA NOT NULL,
                PRIMARY KEY (workspace, item_id)
            )
            """,
            // `seq` orders a user's texts; appends for one user hold a transaction lock, so their
            // sequence order is their commit order and a reader paging by `seq` skips none.
            """
            CREATE TABLE texts (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                source TEXT NOT NULL,
                body TEXT NOT NULL,
                ts BIGINT NOT NULL,
                item_id TEXT,
                sentiment DOUBLE PRECISION,
                sentiment_label TEXT,
                entities TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX texts_by_id ON texts(workspace, id)",
            "CREATE INDEX texts_by_user ON texts(workspace, user_id, seq)",
            // Mentions are kept per text, so that co-mentions are a join and erasing a person's
            // texts removes every edge their words created.
            """
            CREATE TABLE text_mentions (
                text_seq BIGINT NOT NULL,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT COLLATE "C" NOT NULL,
                target_kind TEXT COLLATE "C" NOT NULL,
                target TEXT COLLATE "C" NOT NULL,
                sentiment DOUBLE PRECISION,
                ts BIGINT NOT NULL,
                PRIMARY KEY (text_seq, target_kind, target)
            )
            """,
            "CREATE INDEX text_mentions_by_user ON text_mentions(workspace, user_id, target_kind, target)",
            "CREATE INDEX text_mentions_by_target ON text_mentions(workspace, target_kind, target, user_id)",
            // Values estimated from behaviour, kept apart from declared traits.
            """
            CREATE TABLE imputed_attributes (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                user_id TEXT NOT NULL,
                attribute TEXT COLLATE "C" NOT NULL,
                value TEXT NOT NULL,
                confidence DOUBLE PRECISION NOT NULL,
                imputed_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, user_id, attribute)
            )
            """,
            "CREATE INDEX imputed_attributes_by_attribute ON imputed_attributes(workspace, attribute)",
        ]),
        // The dashboard's aggregates (ActivityStore) and the key rotation's rewrite
        // (ProtectedValueStore). The rewrite pages declared traits by their primary keys, and
        // active and recent users read `actors` by its primary key, so only arrivals need a new
        // index on `events`.
        PostgresMigration("v3-activity", [
            // Arrival-time windows (event flow, top items over the last hour or day). No v1 index
            // can bound them: `received_at` is the caller's, not numbered with `seq`, so events
            // of a window need not lie in one `seq` range, and without this index each chart
            // is a scan of the workspace's whole log. Arrival times mostly grow, so inserts land
            // at the index's right edge. Building it holds off appends (a migration is one
            // transaction, and CREATE INDEX CONCURRENTLY cannot run in one) for as long as the
            // build takes on an existing log (about a second per million events on a loaded
            // 2-vCPU machine with the table in cache): run this upgrade in a quiet moment.
            "CREATE INDEX events_by_arrival ON events(workspace, received_at)",
            // Member counts per sweep, for sizes over time; counts only, nothing about a person.
            // They go with their segment, as on SQLite.
            """
            CREATE TABLE segment_sizes (
                workspace BIGINT NOT NULL,
                segment_id TEXT COLLATE "C" NOT NULL,
                at BIGINT NOT NULL,
                members BIGINT NOT NULL,
                PRIMARY KEY (workspace, segment_id, at),
                FOREIGN KEY (workspace, segment_id) REFERENCES segments(workspace, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX segment_sizes_by_time ON segment_sizes(workspace, at)",
        ]),
        // Identity resolution, as SQLite's v8-identity-resolution and v9-merge-blocks (the
        // `declared_sources` of v8 is in v2-profiles-segments already). Identifiers are keyed
        // hashes for e-mail and phone; each belongs to the user that brought it first. The alias
        // map always points straight at the current canonical user (no chains); appends read it
        // under the workspace lock, so a committed merge applies to the next append everywhere.
        // `moved` and `shared` are JSON arrays of anonymous ids, as on SQLite. Merge ids come from
        // an identity: increasing, possibly with gaps where a transaction rolled back.
        PostgresMigration("v3-identity-resolution", [
            """
            CREATE TABLE user_identifiers (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                kind TEXT COLLATE "C" NOT NULL,
                value TEXT COLLATE "C" NOT NULL,
                user_id TEXT COLLATE "C" NOT NULL,
                source TEXT NOT NULL,
                first_seen BIGINT NOT NULL,
                PRIMARY KEY (workspace, kind, value)
            )
            """,
            "CREATE INDEX user_identifiers_by_user ON user_identifiers(workspace, user_id)",
            """
            CREATE TABLE user_merges (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                canonical TEXT COLLATE "C" NOT NULL,
                merged TEXT COLLATE "C" NOT NULL,
                reason TEXT NOT NULL,
                actor TEXT NOT NULL,
                at BIGINT NOT NULL,
                undone_at BIGINT,
                undone_by TEXT,
                moved TEXT NOT NULL,
                shared TEXT NOT NULL
            )
            """,
            "CREATE INDEX user_merges_by_canonical ON user_merges(workspace, canonical)",
            "CREATE INDEX user_merges_by_merged ON user_merges(workspace, merged)",
            """
            CREATE TABLE user_aliases (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                alias TEXT COLLATE "C" NOT NULL,
                canonical TEXT COLLATE "C" NOT NULL,
                merge_id BIGINT NOT NULL,
                PRIMARY KEY (workspace, alias)
            )
            """,
            "CREATE INDEX user_aliases_by_canonical ON user_aliases(workspace, canonical)",
            // Comma-separated, most trusted first, as on SQLite.
            """
            CREATE TABLE source_priority (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                sources TEXT NOT NULL
            )
            """,
            // Events re-keyed by a merge keep the id they arrived with; the partial index holds
            // only those, so ordinary appends pay nothing for it.
            """
            CREATE INDEX events_by_original_user ON events(workspace, original_user_id)
            WHERE original_user_id IS NOT NULL
            """,
            // "Do not merge" pairs left by unmerges (a < b in byte order, one row per pair).
            """
            CREATE TABLE merge_blocks (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                a TEXT COLLATE "C" NOT NULL,
                b TEXT COLLATE "C" NOT NULL,
                merge_id BIGINT NOT NULL,
                at BIGINT NOT NULL,
                PRIMARY KEY (workspace, a, b)
            )
            """,
            "CREATE INDEX merge_blocks_by_b ON merge_blocks(workspace, b)",
        ]),
        PostgresMigration("v2-model-pins-revisions", [
            // Bumped each time a version's files are rewritten (an erasure redacts them): a replica
            // that copied an older revision copies the version again.
            "ALTER TABLE model_versions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0",
            // The last version number handed to a trainer: taken with a row lock, so trainers on
            // different machines never train under the same number.
            """
            CREATE TABLE model_version_counters (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                last INTEGER NOT NULL
            )
            """,
            // The version `attune models promote|rollback` pinned: every replica serves it. The
            // foreign key keeps a pinned version from being pruned.
            """
            CREATE TABLE model_pins (
                workspace BIGINT PRIMARY KEY REFERENCES workspaces(pk),
                version INTEGER NOT NULL,
                pinned_at BIGINT NOT NULL,
                FOREIGN KEY (workspace, version) REFERENCES model_versions(workspace, version)
            )
            """,
        ]),
        // Only the SHA-256 of an erased user id is kept, as on SQLite: enough to leave the person
        // out of later training and to redact published models again, without the id itself.
        PostgresMigration("v2-erasure", [
            """
            CREATE TABLE erased_users (
                workspace BIGINT NOT NULL REFERENCES workspaces(pk),
                digest BYTEA NOT NULL,
                erased_at BIGINT NOT NULL,
                PRIMARY KEY (workspace, digest)
            )
            """,
        ]),
        // The leader's term (one row, `id` 1): raised by each process that takes the leader lock,
        // read `FOR SHARE` by each leader-only write (``LeaderTerms``).
        PostgresMigration("v3-leader-terms", [
            """
            CREATE TABLE leader_terms (
                id SMALLINT PRIMARY KEY CHECK (id = 1),
                term BIGINT NOT NULL
            )
            """,
        ]),
    ]
}
