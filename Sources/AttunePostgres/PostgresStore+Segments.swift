import AttuneCore
import AttuneStore
import Logging
import NIOCore
import PostgresNIO

/// Segment writes hold the workspace's write lock, like appends: a membership row is then never
/// written by an evaluation that read the rules before a segment was deleted.
///
/// Not yet as on SQLite: segment sizes over time (the activity store) are not stored on
/// PostgreSQL, so deleting a segment has no size rows to remove.
extension PostgresStore: SegmentStore {
    package func revealDeclaredValues(with reveal: @escaping @Sendable (JSONValue) -> JSONValue) {
        declaredValueReveal.withLock { $0 = reveal }
    }

    /// Not idempotent: replayed after a COMMIT whose answer was lost it would report a conflict
    /// for the segment it had just created, so that case is reported instead.
    package func createSegment(_ segment: Segment, in workspace: WorkspaceID) async throws {
        try Self.validate(segment)
        try await transaction("create segment", idempotent: false) { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM segments WHERE workspace = \(key) AND name = \(segment.name)),
                       (SELECT count(*) FROM segments WHERE workspace = \(key) AND kind = 'rule')
                """, logger: logger)
            var named: Int64 = 0
            var rules: Int64 = 0
            for try await (n, r) in rows.decode((Int64, Int64).self) { (named, rules) = (n, r) }
            guard named == 0 else {
                throw AttuneError(code: .conflict, message: "a segment with this name exists", field: "name")
            }
            guard segment.kind != .rule || rules < SegmentLimits.maxRuleSegments else {
                throw AttuneError(
                    code: .conflict, message: "a workspace holds at most \(SegmentLimits.maxRuleSegments) rule segments")
            }
            try await Self.insert([segment], key, connection, logger)
            try await Self.invalidateSegmentRules(key, connection, logger)
        }
    }

    package func segments(in workspace: WorkspaceID) async throws -> [Segment] {
        try await read("list segments") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.segmentColumns) FROM segments WHERE workspace = \(key) ORDER BY name",
                logger: logger)
            return try await Self.decodeSegments(rows)
        }
    }

    package func segment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Segment? {
        try await read("read segment") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return nil }
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.segmentColumns) FROM segments WHERE workspace = \(key) AND id = \(id.rawValue)",
                logger: logger)
            return try await Self.decodeSegments(rows).first
        }
    }

    /// Not idempotent: a replay after a lost COMMIT would answer `false` for the segment it removed.
    package func deleteSegment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Bool {
        try await transaction("delete segment", idempotent: false) { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return false }
            try await Self.lockWorkspace(key, connection, logger)
            let rows = try await connection.query(
                """
                WITH gone AS (DELETE FROM segments WHERE workspace = \(key) AND id = \(id.rawValue) RETURNING id),
                members AS (
                    DELETE FROM segment_memberships WHERE workspace = \(key) AND segment_id IN (SELECT id FROM gone)
                )
                SELECT count(*) FROM gone
                """, logger: logger)
            var deleted: Int64 = 0
            for try await count in rows.decode(Int64.self) { deleted = count }
            guard deleted > 0 else { return false }
            try await Self.invalidateSegmentRules(key, connection, logger)
            return true
        }
    }

    package func members(of id: SegmentID, in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [UserID]
    {
        try await read("list segment members") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT user_id FROM segment_memberships
                WHERE workspace = \(key) AND segment_id = \(id.rawValue) AND user_id > \(cursor?.rawValue ?? "")
                ORDER BY user_id LIMIT \(Self.sqlLimit(limit))
                """, logger: logger)
            var out: [UserID] = []
            for try await user in rows.decode(String.self) { out.append(UserID(unchecked: user)) }
            return out
        }
    }

    package func memberCount(of id: SegmentID, in workspace: WorkspaceID) async throws -> Int {
        try await read("count segment members") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return 0 }
            let rows = try await connection.query(
                "SELECT count(*) FROM segment_memberships WHERE workspace = \(key) AND segment_id = \(id.rawValue)",
                logger: logger)
            var count: Int64 = 0
            for try await n in rows.decode(Int64.self) { count = n }
            return Int(count)
        }
    }

    package func segments(of user: UserID, in workspace: WorkspaceID) async throws -> [SegmentID] {
        try await read("read user segments") { [self] connection, logger in
            guard let key = try await workspaceKey(workspace, connection, logger) else { return [] }
            let rows = try await connection.query(
                """
                SELECT segment_id FROM segment_memberships WHERE workspace = \(key) AND user_id = \(user.rawValue)
                ORDER BY segment_id
                """, logger: logger)
            var out: [SegmentID] = []
            for try await id in rows.decode(String.self) { out.append(SegmentID(unchecked: id)) }
            return out
        }
    }

    /// One transaction per page keeps appends flowing between pages. Idempotent: evaluating a
    /// page again at the same time changes nothing more.
    package func refreshSegments(in workspace: WorkspaceID, at time: Timestamp, batchSize: Int) async throws
        -> MembershipChanges
    {
        var total = MembershipChanges()
        var cursor = ""
        let size = max(1, batchSize)
        while true {
            let after = cursor
            let (page, changes) = try await transaction("refresh segments") { [self] connection, logger in
                let key = try await requireWorkspace(workspace, connection, logger)
                try await Self.lockWorkspace(key, connection, logger)
                guard !(try await segmentRules(key, connection, logger).isEmpty) else { return ([String](), MembershipChanges()) }
                let rows = try await connection.query(
                    """
                    SELECT user_id FROM profiles WHERE workspace = \(key) AND user_id > \(after)
                    UNION SELECT user_id FROM user_traits WHERE workspace = \(key) AND user_id > \(after)
                    ORDER BY user_id LIMIT \(Int64(size))
                    """, logger: logger)
                var users: [String] = []
                for try await user in rows.decode(String.self) { users.append(user) }
                let changes = try await reevaluateSegments(
                    users, workspace: key, now: time.millisecondsSinceEpoch, connection, logger)
                return (users, changes)
            }
            total.evaluated += changes.evaluated
            total.entered += changes.entered
            total.left += changes.left
            guard let last = page.last, page.count == size else { return total }
            cursor = last
        }
    }

    package func replaceLearnedSegments(
        _ segments: [(segment: Segment, members: [UserID])], in workspace: WorkspaceID,
        digest: (UserID) -> [UInt8]
    ) async throws {
        for (segment, members) in segments {
            try Self.validate(segment)
            for user in members where user.rawValue.utf8.contains(0) {
                throw AttuneError.invalid("members", "must not contain a NUL character")
            }
        }
        // Hashed before the transaction, not while holding the workspace's write lock.
        let memberDigests = LearnedMemberDigests.of(segments, digest).mapValues { ByteBuffer(bytes: $0) }
        try await transaction("replace learned segments") { [self] connection, logger in
            let key = try await requireWorkspace(workspace, connection, logger)
            try await Self.lockWorkspace(key, connection, logger)
            try await connection.query(
                """
                WITH learned AS (DELETE FROM segments WHERE workspace = \(key) AND kind = 'learned' RETURNING id)
                DELETE FROM segment_memberships WHERE workspace = \(key) AND segment_id IN (SELECT id FROM learned)
                """, logger: logger)
            // Checked here as well as in training: consent may have been withdrawn while it ran.
            let everyone = Array(Set(segments.flatMap { $0.members.map(\.rawValue) }))
            let consent = try await PostgresConsentView.read(everyone, workspace: key, connection, logger)
            var names: Set<String> = []
            var segmentIDs: [String] = [], users: [String] = [], times: [Int64] = [], digests: [ByteBuffer] = []
            for (segment, members) in segments {
                guard names.insert(segment.name).inserted else {
                    throw AttuneError(code: .conflict, message: "a segment with this name exists", field: "name")
                }
                for user in members where consent.permits(.personalization, for: user.rawValue) {
                    segmentIDs.append(segment.id.rawValue)
                    users.append(user.rawValue)
                    times.append(segment.updatedAt.millisecondsSinceEpoch)
                    digests.append(memberDigests[user.rawValue] ?? ByteBuffer())
                }
            }
            let rows = try await connection.query(
                """
                SELECT count(*) FROM segments WHERE workspace = \(key) AND name = ANY(\(Array(names))::text[])
                """, logger: logger)
            for try await taken in rows.decode(Int64.self) where taken > 0 {
                throw AttuneError(code: .conflict, message: "a segment with this name exists", field: "name")
            }
            try await Self.insert(segments.map(\.segment), key, connection, logger)
            // Erasures take the workspace lock held here: one committed while the clustering ran
            // is seen by this statement, and one that comes after deletes these rows itself.
            try await connection.query(
                """
                INSERT INTO segment_memberships (workspace, segment_id, user_id, entered_at)
                SELECT \(key), segment_id, user_id, entered_at
                FROM unnest(\(segmentIDs)::text[], \(users)::text[], \(times)::int8[], \(digests)::bytea[])
                    AS t(segment_id, user_id, entered_at, digest)
                WHERE NOT EXISTS (SELECT 1 FROM erased_users e WHERE e.workspace = \(key) AND e.digest = t.digest)
                """, logger: logger)
            try await Self.invalidateSegmentRules(key, connection, logger)
        }
    }

    static let segmentColumns = "id, name, kind, rule, details, created_at, updated_at"

    static func insert(_ segments: [Segment], _ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        guard !segments.isEmpty else { return }
        let details = NullableTextArray(elements: segments.map { $0.explanation.map { $0.json.serialized() } })
        let rules = NullableTextArray(elements: segments.map(\.rule))
        try await connection.query(
            """
            INSERT INTO segments (workspace, id, name, kind, rule, details, created_at, updated_at)
            SELECT \(workspace), id, name, kind, rule, details, created_at, updated_at
            FROM unnest(
                \(segments.map(\.id.rawValue))::text[], \(segments.map(\.name))::text[],
                \(segments.map(\.kind.rawValue))::text[], \(rules)::text[], \(details)::text[],
                \(segments.map(\.createdAt.millisecondsSinceEpoch))::int8[],
                \(segments.map(\.updatedAt.millisecondsSinceEpoch))::int8[]
            ) AS t(id, name, kind, rule, details, created_at, updated_at)
            """, logger: logger)
    }

    static func decodeSegments(_ rows: PostgresRowSequence) async throws -> [Segment] {
        var out: [Segment] = []
        let decoded = rows.decode((String, String, String, String?, String?, Int64, Int64).self)
        for try await (id, name, kind, rule, details, created, updated) in decoded {
            out.append(Segment(
                id: SegmentID(unchecked: id), name: name, kind: Segment.Kind(rawValue: kind) ?? .rule, rule: rule,
                explanation: details.flatMap { SegmentExplanation(json: $0) },
                createdAt: Timestamp(millisecondsSinceEpoch: created), updatedAt: Timestamp(millisecondsSinceEpoch: updated)))
        }
        return out
    }

    /// PostgreSQL text cannot hold NUL, which SQLite stores: refused before anything is written.
    static func validate(_ segment: Segment) throws(AttuneError) {
        for (value, field) in [(segment.id.rawValue, "id"), (segment.name, "name"), (segment.rule ?? "", "rule")]
        where value.utf8.contains(0) {
            throw AttuneError.invalid(field, "must not contain a NUL character")
        }
    }
}
