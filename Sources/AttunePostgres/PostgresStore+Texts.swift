import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

extension PostgresStore: TextStore {
    package static var maxPageSize: Int { 1_000 }

    /// The text and its mentions in one statement. Appends for one user take a lock on that user
    /// before drawing the text's sequence number, so a user's texts commit in sequence order and a
    /// reader paging with `after:` never skips one that commits later with a smaller number.
    ///
    /// Not replayed after a connection lost during COMMIT: the replay would find its own text and
    /// report a conflict, so the uncertain outcome is reported instead.
    package func appendText(_ text: CustomerText, in workspace: WorkspaceID) async throws {
        try Self.validate(text)
        // SQLite stores a NaN as NULL; PostgreSQL would keep it, and it would poison the averages.
        let sentiment = text.sentiment.flatMap { $0.isNaN ? nil : $0 }
        let mentions = Array(Set(text.mentions))
        let kinds = mentions.map(\.target.kind)
        let targets = mentions.map(\.target.value)
        let sentiments = NullableDoubleArray(elements: mentions.map { $0.sentiment.flatMap { $0.isNaN ? nil : $0 } })
        try await transaction("append text", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            let user = text.user.rawValue
            let time = text.time.millisecondsSinceEpoch
            let rows = try await connection.query(
                """
                WITH locked AS (
                    SELECT pg_advisory_xact_lock(\(AdvisoryLock.textsNamespace), hashtext(\(user)))
                ),
                stored AS (
                    INSERT INTO texts (workspace, id, user_id, source, body, ts, item_id, sentiment, sentiment_label,
                                       entities, created_at)
                    SELECT \(key), \(text.id.rawValue), \(user), \(text.source.rawValue), \(text.body), \(time),
                           \(text.item?.rawValue), \(sentiment), \(text.sentimentLabel), \(text.entities),
                           \(text.createdAt.millisecondsSinceEpoch)
                    FROM locked
                    ON CONFLICT (workspace, id) DO NOTHING
                    RETURNING seq
                ),
                mentioned AS (
                    INSERT INTO text_mentions (text_seq, workspace, user_id, target_kind, target, sentiment, ts)
                    SELECT stored.seq, \(key), \(user), m.kind, m.target, m.sentiment, \(time)
                    FROM stored, unnest(\(kinds)::text[], \(targets)::text[], \(sentiments)::float8[])
                        AS m(kind, target, sentiment)
                    ON CONFLICT (text_seq, target_kind, target) DO NOTHING
                )
                SELECT seq FROM stored
                """, logger: logger)
            var stored = false
            for try await _ in rows { stored = true }
            if !stored { throw AttuneError(code: .conflict, message: "a text with this id exists", field: "id") }
        }
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: such a text is refused before
    /// anything is written, naming the field.
    static func validate(_ text: CustomerText) throws(AttuneError) {
        func check(_ value: String?, _ field: String) throws(AttuneError) {
            guard let value, value.utf8.contains(0) else { return }
            throw AttuneError.invalid(field, "must not contain a NUL character")
        }
        try check(text.body, "body")
        try check(text.sentimentLabel, "sentimentLabel")
        try check(text.entities, "entities")
        for (index, mention) in text.mentions.enumerated() { try check(mention.target.value, "mentions[\(index)]") }
    }

    package func texts(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [(sequence: Int64, text: CustomerText)]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await read("read texts") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT seq, id, source, body, ts, item_id, sentiment, sentiment_label, entities, created_at
                FROM texts WHERE workspace = \(key) AND user_id = \(user.rawValue) AND seq > \(cursor ?? 0)
                ORDER BY seq LIMIT \(limit)
                """, logger: logger)
            var texts: [(sequence: Int64, text: CustomerText)] = []
            let decoded = rows.decode(
                (Int64, String, String, String, Int64, String?, Double?, String?, String, Int64).self)
            for try await (seq, id, source, body, ts, item, sentiment, label, entities, created) in decoded {
                let text = CustomerText(
                    id: TextID(unchecked: id), user: user, source: TextSource(rawValue: source) ?? .chat, body: body,
                    time: Timestamp(millisecondsSinceEpoch: ts), item: item.map(ItemID.init(unchecked:)),
                    sentiment: sentiment, sentimentLabel: label, entities: entities, mentions: [],
                    createdAt: Timestamp(millisecondsSinceEpoch: created))
                texts.append((seq, text))
            }
            guard !texts.isEmpty else { return [] }
            // The page's mentions in one query rather than one per text.
            let mentionRows = try await connection.query(
                """
                SELECT text_seq, target_kind, target, sentiment FROM text_mentions
                WHERE text_seq = ANY(\(texts.map(\.sequence))::int8[]) ORDER BY text_seq, target_kind, target
                """, logger: logger)
            var index: [Int64: Int] = [:]
            for (position, entry) in texts.enumerated() { index[entry.sequence] = position }
            for try await (seq, kind, value, sentiment) in mentionRows.decode((Int64, String, String, Double?).self) {
                guard let position = index[seq], let target = MentionTarget(kind: kind, value: value) else { continue }
                texts[position].text.mentions.append(TextMention(target: target, sentiment: sentiment))
            }
            return texts
        }
    }

    package func mentions(of user: UserID, in workspace: WorkspaceID, after cursor: MentionTarget?, limit: Int)
        async throws -> [MentionSummary]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await read("read mentions") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT target_kind, target, count(*), avg(sentiment), min(sentiment), max(ts)
                FROM text_mentions
                WHERE workspace = \(key) AND user_id = \(user.rawValue)
                  AND (target_kind, target) > (\(cursor?.kind ?? ""), \(cursor?.value ?? ""))
                GROUP BY target_kind, target ORDER BY target_kind, target LIMIT \(limit)
                """, logger: logger)
            var summaries: [MentionSummary] = []
            let decoded = rows.decode((String, String, Int64, Double?, Double?, Int64).self)
            for try await (kind, value, count, mean, lowest, last) in decoded {
                guard let target = MentionTarget(kind: kind, value: value) else { continue }
                summaries.append(
                    MentionSummary(
                        user: user, target: target, count: Int(count), meanSentiment: mean, minSentiment: lowest,
                        lastTime: Timestamp(millisecondsSinceEpoch: last)))
            }
            return summaries
        }
    }

    package func mentioners(of target: MentionTarget, in workspace: WorkspaceID, after cursor: UserID?, limit: Int)
        async throws -> [MentionSummary]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await read("read mentioners") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT user_id, count(*), avg(sentiment), min(sentiment), max(ts)
                FROM text_mentions
                WHERE workspace = \(key) AND target_kind = \(target.kind) AND target = \(target.value)
                  AND user_id > \(cursor?.rawValue ?? "")
                GROUP BY user_id ORDER BY user_id LIMIT \(limit)
                """, logger: logger)
            var summaries: [MentionSummary] = []
            let decoded = rows.decode((String, Int64, Double?, Double?, Int64).self)
            for try await (user, count, mean, lowest, last) in decoded {
                summaries.append(
                    MentionSummary(
                        user: UserID(unchecked: user), target: target, count: Int(count), meanSentiment: mean,
                        minSentiment: lowest, lastTime: Timestamp(millisecondsSinceEpoch: last)))
            }
            return summaries
        }
    }

    package func coMentioned(with item: ItemID, in workspace: WorkspaceID, offset: Int, limit: Int) async throws
        -> [CoMention]
    {
        let limit = max(0, min(limit, Self.maxPageSize))
        return try await read("read co-mentions") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT b.target, count(*) AS n FROM text_mentions a
                JOIN text_mentions b ON b.text_seq = a.text_seq AND b.target_kind = 'item' AND b.target <> a.target
                WHERE a.workspace = \(key) AND a.target_kind = 'item' AND a.target = \(item.rawValue)
                GROUP BY b.target ORDER BY n DESC, b.target LIMIT \(limit) OFFSET \(max(0, offset))
                """, logger: logger)
            var together: [CoMention] = []
            for try await (other, count) in rows.decode((String, Int64).self) {
                together.append(CoMention(item: ItemID(unchecked: other), texts: Int(count)))
            }
            return together
        }
    }

    /// The catalogue's size and latest update, as on SQLite. Computed from the rows, so a change
    /// committed by any process moves it.
    package func catalogVersion(in workspace: WorkspaceID) async throws -> [Int64] {
        try await read("read catalogue version") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                "SELECT count(*), coalesce(max(updated_at), 0) FROM items WHERE workspace = \(key)", logger: logger)
            var version: [Int64] = [0, 0]
            for try await (count, latest) in rows.decode((Int64, Int64).self) { version = [count, latest] }
            return version
        }
    }

    /// One query per call: SQLite's per-process read cache is not kept here, since its
    /// invalidation relies on seeing every commit to the database file.
    package func negativelyMentioned(by user: UserID, in workspace: WorkspaceID, threshold: Double) async throws
        -> Set<MentionTarget>
    {
        // SQLite binds a NaN as NULL, which nothing is at or below; PostgreSQL orders NaN above
        // every number, which would make every mention negative.
        guard !threshold.isNaN else { return [] }
        return try await read("read negative mentions") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT DISTINCT target_kind, target FROM text_mentions
                WHERE workspace = \(key) AND user_id = \(user.rawValue) AND sentiment <= \(threshold)
                """, logger: logger)
            var targets: Set<MentionTarget> = []
            for try await (kind, value) in rows.decode((String, String).self) {
                if let target = MentionTarget(kind: kind, value: value) { targets.insert(target) }
            }
            return targets
        }
    }
}
