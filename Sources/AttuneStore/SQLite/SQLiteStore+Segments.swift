import AttuneCore
import Foundation
import GRDB

extension SQLiteStore: SegmentStore {
    package func revealDeclaredValues(with reveal: @escaping @Sendable (JSONValue) -> JSONValue) {
        declaredValueReveal.withLock { $0 = reveal }
    }

    /// Whether segment rules read pseudonymised attributes' values (``revealDeclaredValues(with:)``
    /// was called): a process that evaluates rules without it compares ciphertexts.
    package var revealsDeclaredValues: Bool { declaredValueReveal.withLock { $0 != nil } }

    package func createSegment(_ segment: Segment, in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            guard try Self.segmentID(named: segment.name, key, db) == nil else {
                throw AttuneError(code: .conflict, message: "a segment with this name exists", field: "name")
            }
            let rules = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM segments WHERE workspace = ? AND kind = 'rule'", arguments: [key]) ?? 0
            guard segment.kind != .rule || rules < Self.maxRuleSegments else {
                throw AttuneError(
                    code: .conflict, message: "a workspace holds at most \(Self.maxRuleSegments) rule segments")
            }
            try Self.insert(segment, key, db)
            try self.invalidateSegmentRules(key, db)
        }
    }

    package func segments(in workspace: WorkspaceID) async throws -> [Segment] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM segments WHERE workspace = ? ORDER BY name", arguments: [key])
                .map(Self.decodeSegment)
        }
    }

    package func segment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Segment? {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return nil }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM segments WHERE workspace = ? AND id = ?", arguments: [key, id.rawValue]
            ).map(Self.decodeSegment)
        }
    }

    package func deleteSegment(_ id: SegmentID, in workspace: WorkspaceID) async throws -> Bool {
        try await writer.write { db in
            guard let key = try self.workspaceKey(workspace, db) else { return false }
            try db.execute(sql: "DELETE FROM segments WHERE workspace = ? AND id = ?", arguments: [key, id.rawValue])
            guard db.changesCount > 0 else { return false }
            try db.execute(
                sql: "DELETE FROM segment_memberships WHERE workspace = ? AND segment_id = ?", arguments: [key, id.rawValue])
            try db.execute(
                sql: "DELETE FROM segment_sizes WHERE workspace = ? AND segment_id = ?", arguments: [key, id.rawValue])
            try self.invalidateSegmentRules(key, db)
            return true
        }
    }

    package func members(of id: SegmentID, in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws
        -> [UserID]
    {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try String.fetchAll(
                db,
                sql: """
                    SELECT user_id FROM segment_memberships WHERE workspace = ? AND segment_id = ? AND user_id > ?
                    ORDER BY user_id LIMIT ?
                    """,
                arguments: [key, id.rawValue, cursor?.rawValue ?? "", limit]
            ).map(UserID.init(unchecked:))
        }
    }

    package func memberCount(of id: SegmentID, in workspace: WorkspaceID) async throws -> Int {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return 0 }
            return try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM segment_memberships WHERE workspace = ? AND segment_id = ?",
                arguments: [key, id.rawValue]) ?? 0
        }
    }

    package func segments(of user: UserID, in workspace: WorkspaceID) async throws -> [SegmentID] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try String.fetchAll(
                db,
                sql: "SELECT segment_id FROM segment_memberships WHERE workspace = ? AND user_id = ? ORDER BY segment_id",
                arguments: [key, user.rawValue]
            ).map(SegmentID.init(unchecked:))
        }
    }

    package func refreshSegments(in workspace: WorkspaceID, at time: Timestamp, batchSize: Int) async throws
        -> MembershipChanges
    {
        var total = MembershipChanges()
        var cursor = ""
        while true {
            // One transaction per page keeps ingestion flowing between pages.
            let after = cursor
            let (page, changes) = try await writer.write { db -> ([String], MembershipChanges) in
                let key = try self.requireWorkspace(workspace, db)
                guard !(try self.segmentRules(key, db).isEmpty) else { return ([], MembershipChanges()) }
                let users = try String.fetchAll(
                    db,
                    sql: """
                        SELECT user_id FROM profiles WHERE workspace = ?1 AND user_id > ?2
                        UNION SELECT user_id FROM user_traits WHERE workspace = ?1 AND user_id > ?2
                        ORDER BY user_id LIMIT ?3
                        """,
                    arguments: [key, after, max(1, batchSize)])
                return (users, try self.reevaluateSegments(users, workspace: key, now: time.millisecondsSinceEpoch, db))
            }
            total.evaluated += changes.evaluated
            total.entered += changes.entered
            total.left += changes.left
            guard let last = page.last, page.count == max(1, batchSize) else { return total }
            cursor = last
        }
    }

    package func replaceLearnedSegments(
        _ segments: [(segment: Segment, members: [UserID])], in workspace: WorkspaceID,
        digest: (UserID) -> [UInt8]
    ) async throws {
        // Hashed before the write, not while holding the database's only writer.
        let digests = LearnedMemberDigests.of(segments, digest)
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            // Read in this write transaction: an erasure committed while the clustering ran is seen.
            let erased = Set(
                try Data.fetchAll(db, sql: "SELECT digest FROM erased_users WHERE workspace = ?", arguments: [key])
                    .map { Array($0) })
            try db.execute(
                sql: """
                    DELETE FROM segment_memberships WHERE workspace = ?1 AND segment_id IN
                        (SELECT id FROM segments WHERE workspace = ?1 AND kind = 'learned')
                    """,
                arguments: [key])
            try db.execute(sql: "DELETE FROM segments WHERE workspace = ? AND kind = 'learned'", arguments: [key])
            let insert = try db.cachedStatement(
                sql: "INSERT INTO segment_memberships (workspace, segment_id, user_id, entered_at) VALUES (?, ?, ?, ?)")
            // Checked here as well as in training: consent may have been withdrawn while it ran.
            let consent = try self.consentEntry(key, db)
            for (segment, members) in segments {
                if try Self.segmentID(named: segment.name, key, db) != nil {
                    throw AttuneError(code: .conflict, message: "a segment with this name exists", field: "name")
                }
                try Self.insert(segment, key, db)
                for user in members where consent.permits(.personalization, for: user.rawValue) {
                    if let mark = digests[user.rawValue], erased.contains(mark) { continue }
                    try insert.execute(arguments: [
                        key, segment.id.rawValue, user.rawValue, segment.updatedAt.millisecondsSinceEpoch,
                    ])
                }
            }
            try self.invalidateSegmentRules(key, db)
        }
    }

    package static let maxRuleSegments = SegmentLimits.maxRuleSegments

    static func segmentID(named name: String, _ workspace: Int64, _ db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT id FROM segments WHERE workspace = ? AND name = ?", arguments: [workspace, name])
    }

    static func insert(_ segment: Segment, _ workspace: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO segments (workspace, id, name, kind, rule, details, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                workspace, segment.id.rawValue, segment.name, segment.kind.rawValue, segment.rule,
                segment.explanation.map { $0.json.serialized() }, segment.createdAt.millisecondsSinceEpoch,
                segment.updatedAt.millisecondsSinceEpoch,
            ])
    }

    static func decodeSegment(_ row: Row) -> Segment {
        Segment(
            id: SegmentID(unchecked: row["id"]), name: row["name"], kind: Segment.Kind(rawValue: row["kind"]) ?? .rule,
            rule: row["rule"], explanation: (row["details"] as String?).flatMap { SegmentExplanation(json: $0) },
            createdAt: Timestamp(millisecondsSinceEpoch: row["created_at"]),
            updatedAt: Timestamp(millisecondsSinceEpoch: row["updated_at"]))
    }
}
