import AttuneCore
import AttuneStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore: EventStore {
    /// All batches in one transaction, one statement per batch (the events travel as one array
    /// per column and are spread by `unnest`), so a batch costs one round trip whatever its size.
    ///
    /// The workspaces' append locks are taken first, in key order (two appends naming the same
    /// workspaces in another order cannot deadlock): they make log order commit order within a
    /// workspace. Duplicates within a batch, across batches and across concurrent writers are
    /// settled by the unique index (`ON CONFLICT DO NOTHING`): the first stored version wins.
    ///
    /// Idempotent, hence retried after a broken connection: a replayed batch finds its events
    /// stored and counts them as duplicates.
    ///
    /// Each batch's new events are folded into their owners' profiles and those owners'
    /// rule segment memberships re-evaluated, in the same transaction, as on SQLite (unless
    /// ``Options/maintainsProfiles`` is off).
    ///
    /// Events for a merged user's id belong to its canonical user, as on SQLite. The alias map is
    /// read after the workspace lock is granted, which merges also hold: every merge committed
    /// before, by any process, applies to this append; one committed after re-keys its events.
    package func append(_ batches: [EventBatch]) async throws -> [AppendResult] {
        for (index, batch) in batches.enumerated() { try Self.validate(batch, at: index) }
        guard !batches.isEmpty else { return [] }
        let columns = batches.map(EventColumns.init)
        return try await transaction("append events") { [self] connection, logger in
            var keys: [Int64] = []
            for batch in batches { keys.append(try await requireWorkspace(batch.workspace, connection, logger)) }
            for key in Set(keys).sorted() { try await Self.lockWorkspace(key, connection, logger) }
            var results: [AppendResult] = []
            results.reserveCapacity(batches.count)
            for (key, column) in zip(keys, columns) {
                let (result, inserted) = try await Self.insert(
                    column, workspace: key, returningOwned: maintainsProfiles, connection, logger)
                results.append(result)
                guard !inserted.isEmpty else { continue }
                let updated = try await Self.updateProfiles(inserted, workspace: key, connection, logger)
                // Time for windows is the receipt of the batch: the injected clock, not the client's.
                let now = inserted.map(\.receivedAt.millisecondsSinceEpoch).max() ?? 0
                try await reevaluateSegments(
                    updated.users, workspace: key, now: now, connection, logger, consent: updated.consent,
                    profiles: updated.traits)
            }
            return results
        }
    }

    /// - Parameter returningOwned: whether to hand back the new events that name a user or a
    ///   visitor (for their profiles), in log order.
    private static func insert(
        _ c: EventColumns, workspace: Int64, returningOwned: Bool, _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> (AppendResult, [Event]) {
        guard c.count > 0 else { return (AppendResult(), []) }
        // One statement: the input rows with merged users' ids mapped to their canonical user
        // (remembering the id they arrived for), those whose subject allows analytics (decided `1`, or
        // undecided under an opt-out policy; events naming nobody are kept), the new ones among
        // them, and the actor and counter rows they change. Its rows are the counts, joined to
        // the new events when asked for (one row of counts alone when there are none).
        let rows = try await connection.query(
            """
            WITH arrived AS (
                SELECT * FROM unnest(
                    \(c.ids)::uuid[], \(c.types)::text[], \(c.users)::text[], \(c.anonymous)::text[],
                    \(c.sessions)::text[], \(c.items)::text[], \(c.values)::float8[], \(c.properties)::text[],
                    \(c.contexts)::text[], \(c.timestamps)::int8[], \(c.received)::int8[]
                ) WITH ORDINALITY AS t(id, type, user_id, anonymous_id, session_id, item_id, value, properties,
                                       context, ts, received_at, ord)
            ),
            input AS (
                SELECT r.id, r.type, coalesce(m.canonical, r.user_id) AS user_id, r.anonymous_id, r.session_id,
                       r.item_id, r.value, r.properties, r.context, r.ts, r.received_at, r.ord,
                       CASE WHEN m.canonical IS NOT NULL THEN r.user_id END AS original_user_id
                FROM arrived r
                LEFT JOIN user_aliases m ON m.workspace = \(workspace) AND m.alias = r.user_id
            ),
            policy AS (
                SELECT coalesce((SELECT policy FROM consent_policy WHERE id = 1), 'opt-out') = 'opt-out' AS allows
            ),
            allowed AS (
                SELECT i.* FROM input i
                CROSS JOIN policy p
                LEFT JOIN consents c ON c.workspace = \(workspace) AND c.user_id = coalesce(i.user_id, i.anonymous_id)
                WHERE coalesce(i.user_id, i.anonymous_id) IS NULL
                   OR CASE substr(c.choices, 1, 1) WHEN '1' THEN true WHEN '0' THEN false ELSE p.allows END
            ),
            inserted AS (
                INSERT INTO events (workspace, id, type, user_id, anonymous_id, session_id, item_id, value,
                                    properties, context, ts, received_at, original_user_id)
                SELECT \(workspace), id, type, user_id, anonymous_id, session_id, item_id, value,
                       properties, context, ts, received_at, original_user_id
                FROM allowed ORDER BY ord
                ON CONFLICT (workspace, id) DO NOTHING
                RETURNING seq, id, type, user_id, anonymous_id, session_id, value, ts, received_at
            ),
            seen AS (
                INSERT INTO actors (workspace, anonymous, actor_id, first_seen, last_seen, event_count)
                SELECT \(workspace), user_id IS NULL, coalesce(user_id, anonymous_id), min(ts), max(ts), count(*)
                FROM inserted WHERE coalesce(user_id, anonymous_id) IS NOT NULL
                GROUP BY user_id IS NULL, coalesce(user_id, anonymous_id)
                ON CONFLICT (workspace, anonymous, actor_id) DO UPDATE SET
                    first_seen = least(actors.first_seen, excluded.first_seen),
                    last_seen = greatest(actors.last_seen, excluded.last_seen),
                    event_count = actors.event_count + excluded.event_count
            ),
            counts AS (
                SELECT (SELECT count(*) FROM input) AS total, (SELECT count(*) FROM allowed) AS kept,
                       (SELECT count(*) FROM inserted) AS added
            ),
            counted AS (
                INSERT INTO workspace_counters (workspace, events, withheld)
                SELECT \(workspace), added, total - kept FROM counts WHERE added > 0 OR total > kept
                ON CONFLICT (workspace) DO UPDATE SET
                    events = workspace_counters.events + excluded.events,
                    withheld = workspace_counters.withheld + excluded.withheld
            )
            SELECT c.total, c.kept, c.added, o.id, o.type, o.user_id, o.anonymous_id, o.session_id, o.value, o.ts,
                   o.received_at
            FROM counts c LEFT JOIN (
                SELECT * FROM inserted
                WHERE \(returningOwned) AND coalesce(user_id, anonymous_id) IS NOT NULL
            ) o ON true
            ORDER BY o.seq
            """, logger: logger)
        var result = AppendResult()
        var owned: [Event] = []
        let decoded = rows.decode(
            (Int64, Int64, Int64, UUID?, String?, String?, String?, String?, Double?, Int64?, Int64?).self)
        for try await (total, kept, added, id, type, user, anonymous, session, value, ts, received) in decoded {
            result = AppendResult(inserted: Int(added), duplicates: Int(kept - added), withheld: Int(total - kept))
            guard let id, let type, let ts, let received else { continue }
            owned.append(Event(
                id: EventID(id), type: EventType(unchecked: type), userID: user.map(UserID.init(unchecked:)),
                anonymousID: anonymous.map(AnonymousID.init(unchecked:)), sessionID: session.map(SessionID.init(unchecked:)),
                itemID: nil, value: value, properties: nil, context: nil,
                timestamp: Timestamp(millisecondsSinceEpoch: ts), receivedAt: Timestamp(millisecondsSinceEpoch: received)))
        }
        return (result, owned)
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores; such an event is refused before
    /// anything is written, naming the field, rather than failing the transaction with an
    /// encoding error.
    static func validate(_ batch: EventBatch, at index: Int) throws(AttuneError) {
        func check(_ value: String?, _ name: String, _ position: Int) throws(AttuneError) {
            guard let value, value.utf8.contains(0) else { return }
            throw AttuneError.invalid("batches[\(index)].events[\(position)].\(name)", "must not contain a NUL character")
        }
        // Field by field rather than through an array of pairs: no allocation per event.
        for (position, event) in batch.events.enumerated() {
            try check(event.type.rawValue, "type", position)
            try check(event.userID?.rawValue, "userId", position)
            try check(event.anonymousID?.rawValue, "anonymousId", position)
            try check(event.sessionID?.rawValue, "sessionId", position)
            try check(event.itemID?.rawValue, "itemId", position)
            try check(event.properties, "properties", position)
            try check(event.context, "context", position)
        }
    }

    package func events(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [StoredEvent]
    {
        try await read("read user events") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.eventColumns) FROM events
                WHERE workspace = \(key) AND seq > \(cursor ?? 0) AND (
                    user_id = \(user.rawValue) OR anonymous_id IN
                        (SELECT anonymous_id FROM identities WHERE workspace = \(key) AND user_id = \(user.rawValue)))
                ORDER BY seq LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            return try await Self.storedEvents(rows)
        }
    }

    package func recentEvents(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [StoredEvent] {
        try await read("read recent user events") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            // Two index range scans newest first, merged: an OR over both columns would not use
            // the per-column indexes for the ORDER BY ... LIMIT.
            let rows = try await connection.query(
                """
                SELECT * FROM (
                    SELECT \(unescaped: Self.eventColumns) FROM events WHERE workspace = \(key) AND user_id = \(user.rawValue)
                    UNION ALL
                    SELECT \(unescaped: Self.eventColumns) FROM events WHERE workspace = \(key) AND anonymous_id IN
                        (SELECT anonymous_id FROM identities WHERE workspace = \(key) AND user_id = \(user.rawValue))
                        AND (user_id IS NULL OR user_id <> \(user.rawValue))
                    ORDER BY seq DESC LIMIT \(Self.sqlLimit(limit))) recent
                ORDER BY seq
                """, logger: logger)
            return try await Self.storedEvents(rows)
        }
    }

    package func recentItems(of user: UserID, in workspace: WorkspaceID, limit: Int) async throws -> [ItemID] {
        try await read("read recent items") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT item_id FROM (
                    SELECT seq, item_id FROM events
                    WHERE workspace = \(key) AND user_id = \(user.rawValue) AND item_id IS NOT NULL
                    UNION ALL
                    SELECT seq, item_id FROM events WHERE workspace = \(key) AND anonymous_id IN
                        (SELECT anonymous_id FROM identities WHERE workspace = \(key) AND user_id = \(user.rawValue))
                        AND (user_id IS NULL OR user_id <> \(user.rawValue)) AND item_id IS NOT NULL
                    ORDER BY seq DESC LIMIT \(Self.sqlLimit(limit))) recent
                ORDER BY seq
                """, logger: logger)
            var items: [ItemID] = []
            for try await item in rows.decode(String.self) { items.append(ItemID(unchecked: item)) }
            return items
        }
    }

    package func events(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [StoredEvent] {
        try await read("read events") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.eventColumns) FROM events
                WHERE workspace = \(key) AND seq > \(cursor ?? 0) ORDER BY seq LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            return try await Self.storedEvents(rows)
        }
    }

    package func interactions(in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws -> [Interaction] {
        try await read("read interactions") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT seq, user_id, item_id, type, ts FROM events
                WHERE workspace = \(key) AND seq > \(cursor ?? 0) AND user_id IS NOT NULL AND item_id IS NOT NULL
                ORDER BY seq LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var out: [Interaction] = []
            for try await (seq, user, item, type, ts) in rows.decode((Int64, String, String, String, Int64).self) {
                out.append(Interaction(
                    sequence: seq, user: UserID(unchecked: user), item: ItemID(unchecked: item),
                    type: EventType(unchecked: type), timestamp: Timestamp(millisecondsSinceEpoch: ts)))
            }
            return out
        }
    }

    package func event(id: EventID, in workspace: WorkspaceID) async throws -> StoredEvent? {
        try await read("read event") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.eventColumns) FROM events WHERE workspace = \(key) AND id = \(id.uuid)",
                logger: logger)
            return try await Self.storedEvents(rows).first
        }
    }

    static let eventColumns =
        "seq, id, type, user_id, anonymous_id, session_id, item_id, value, properties, context, ts, received_at"

    /// `LIMIT NULL` (no limit) for a negative limit, as SQLite reads `LIMIT -1`; PostgreSQL
    /// would reject the negative number.
    static func sqlLimit(_ limit: Int) -> Int64? { limit < 0 ? nil : Int64(limit) }

    static func storedEvents(_ rows: PostgresRowSequence) async throws -> [StoredEvent] {
        var out: [StoredEvent] = []
        let decoded = rows.decode(
            (Int64, UUID, String, String?, String?, String?, String?, Double?, String?, String?, Int64, Int64).self)
        for try await (seq, id, type, user, anonymous, session, item, value, properties, context, ts, received) in decoded {
            let event = Event(
                id: EventID(id), type: EventType(unchecked: type), userID: user.map(UserID.init(unchecked:)),
                anonymousID: anonymous.map(AnonymousID.init(unchecked:)), sessionID: session.map(SessionID.init(unchecked:)),
                itemID: item.map(ItemID.init(unchecked:)), value: value, properties: properties, context: context,
                timestamp: Timestamp(millisecondsSinceEpoch: ts), receivedAt: Timestamp(millisecondsSinceEpoch: received))
            out.append(StoredEvent(sequence: seq, event: event))
        }
        return out
    }
}

/// A batch turned inside out: one array per column, the parameters of the `unnest` insert.
private struct EventColumns: Sendable {
    var count: Int
    var ids: [UUID] = []
    var types: [String] = []
    var users = NullableTextArray(elements: [])
    var anonymous = NullableTextArray(elements: [])
    var sessions = NullableTextArray(elements: [])
    var items = NullableTextArray(elements: [])
    var values = NullableDoubleArray(elements: [])
    var properties = NullableTextArray(elements: [])
    var contexts = NullableTextArray(elements: [])
    var timestamps: [Int64] = []
    var received: [Int64] = []

    init(_ batch: EventBatch) {
        count = batch.events.count
        ids.reserveCapacity(count)
        types.reserveCapacity(count)
        timestamps.reserveCapacity(count)
        received.reserveCapacity(count)
        for event in batch.events {
            ids.append(event.id.uuid)
            types.append(event.type.rawValue)
            users.elements.append(event.userID?.rawValue)
            anonymous.elements.append(event.anonymousID?.rawValue)
            sessions.elements.append(event.sessionID?.rawValue)
            items.elements.append(event.itemID?.rawValue)
            values.elements.append(event.value)
            properties.elements.append(event.properties)
            contexts.elements.append(event.context)
            timestamps.append(event.timestamp.millisecondsSinceEpoch)
            received.append(event.receivedAt.millisecondsSinceEpoch)
        }
    }
}

extension EventID {
    /// The same 128 bits as a `UUID`, PostgreSQL's 16-byte type.
    var uuid: UUID {
        let b = bytes
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    init(_ uuid: UUID) {
        self.init(bytes: withUnsafeBytes(of: uuid.uuid) { Array($0) })
    }
}
