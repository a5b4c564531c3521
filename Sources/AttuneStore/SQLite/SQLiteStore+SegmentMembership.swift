import AttuneCore
import Foundation
import GRDB

/// Real-time membership: re-evaluating users inside the transaction that changed them.
extension SQLiteStore {
    /// The compiled rule segments of a workspace, recompiled only when the workspace's segment
    /// generation has moved: one primary-key read per call, so another process (the command line)
    /// creating a segment is seen by the server's next write.
    func segmentRules(_ workspace: Int64, _ db: Database) throws -> SegmentRuleSet {
        let statement = try db.cachedStatement(sql: "SELECT generation FROM segment_generations WHERE workspace = ?")
        let generation = try Int64.fetchOne(statement, arguments: [workspace]) ?? 0
        if let cached = segmentRuleCache.withLock({ $0[workspace] }), cached.generation == generation {
            return cached.rules
        }
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, rule FROM segments WHERE workspace = ? AND kind = 'rule' ORDER BY id",
            arguments: [workspace])
        var rules: [(id: SegmentID, rule: RuleExpression)] = []
        for row in rows {
            // Rules were checked when saved; one a later version refuses matches nobody rather
            // than stopping ingestion.
            guard let source = row["rule"] as String?, let rule = try? RuleExpression.compile(source, schema: ProfileFields.schema)
            else { continue }
            rules.append((SegmentID(unchecked: row["id"]), rule))
        }
        let set = SegmentRuleSet(rules: rules)
        segmentRuleCache.withLock { $0[workspace] = (generation, set) }
        return set
    }

    /// Marks the workspace's segments changed, inside the write that changes them.
    func invalidateSegmentRules(_ workspace: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO segment_generations (workspace, generation) VALUES (?, 1)
                ON CONFLICT (workspace) DO UPDATE SET generation = generation + 1
                """,
            arguments: [workspace])
    }

    /// Evaluates `users` against the rule segments at `now` (milliseconds) and records each change
    /// as a membership row and a segment event. The events are inserted here, not appended, so
    /// they never come back through profile updates or this evaluation.
    @discardableResult
    func reevaluateSegments(_ users: [String], workspace: Int64, now: Int64, _ db: Database) throws -> MembershipChanges {
        var changes = MembershipChanges()
        let rules = try segmentRules(workspace, db)
        guard !rules.isEmpty, !users.isEmpty else { return changes }
        let ruleIDs = Set(rules.entries.map(\.id.rawValue))
        let consent = try consentEntry(workspace, db)
        let reveal = rules.readsAttributes ? declaredValueReveal.withLock { $0 } : nil
        let instant = Timestamp(millisecondsSinceEpoch: now)
        // Cached statements: a busy batch changes many memberships, and parsing SQL per row showed.
        let current = try db.cachedStatement(
            sql: "SELECT segment_id FROM segment_memberships WHERE workspace = ? AND user_id = ?")
        let enter = try db.cachedStatement(
            sql: "INSERT INTO segment_memberships (workspace, segment_id, user_id, entered_at) VALUES (?, ?, ?, ?)")
        let leave = try db.cachedStatement(
            sql: "DELETE FROM segment_memberships WHERE workspace = ? AND segment_id = ? AND user_id = ?")
        for user in users {
            // Without personalization consent a person is in no segment.
            var matched: Set<String> = []
            if consent.permits(.personalization, for: user) {
                var record = ProfileRecord(user: user, traits: try Self.loadProfile(workspace, user, db)?.traits)
                if rules.readsAttributes {
                    record.attributes = try Self.declaredTraits(workspace, user, db).map { reveal?($0) ?? $0 }
                }
                if !rules.aggregates.isEmpty { record.aggregates = try Self.aggregateValues(rules, workspace, user, now, db) }
                matched = Set(rules.matching(record, now: instant).map(\.rawValue))
            }
            // A segment event is an event about the person: only stored with analytics consent.
            let logs = consent.permits(.analytics, for: user)
            let before = Set(try String.fetchAll(current, arguments: [workspace, user])).intersection(ruleIDs)
            for id in matched.subtracting(before).sorted() {
                try enter.execute(arguments: [workspace, id, user, now])
                if logs { try Self.recordSegmentEvent(SegmentEvents.entered, segment: id, user: user, workspace: workspace, at: now, db) }
                changes.entered += 1
            }
            for id in before.subtracting(matched).sorted() {
                try leave.execute(arguments: [workspace, id, user])
                if logs { try Self.recordSegmentEvent(SegmentEvents.left, segment: id, user: user, workspace: workspace, at: now, db) }
                changes.left += 1
            }
            changes.evaluated += 1
        }
        return changes
    }

    static func declaredTraits(_ workspace: Int64, _ user: String, _ db: Database) throws -> JSONValue? {
        let statement = try db.cachedStatement(sql: "SELECT traits FROM user_traits WHERE workspace = ? AND user_id = ?")
        guard let text = try String.fetchOne(statement, arguments: [workspace, user]) else { return nil }
        return try? JSONParser().parse(text)
    }

    /// The user's aggregates over the events their profile owns (own and linked anonymous ones),
    /// reading only as far back as the longest window.
    static func aggregateValues(
        _ rules: SegmentRuleSet, _ workspace: Int64, _ user: String, _ now: Int64, _ db: Database
    ) throws -> [Double] {
        var accumulator = EventAggregateAccumulator(rules.aggregates, now: now)
        let since = rules.longestWindowSeconds.map { now - Int64($0 * 1000) } ?? Int64.min
        let statement = try db.cachedStatement(
            sql: """
                SELECT type, item_id, value, session_id, ts, properties FROM events
                WHERE workspace = ?1 AND user_id = ?2 AND ts >= ?3
                UNION ALL
                SELECT type, item_id, value, session_id, ts, properties FROM events
                WHERE workspace = ?1 AND user_id IS NULL AND ts >= ?3 AND anonymous_id IN
                    (SELECT anonymous_id FROM identities WHERE workspace = ?1 AND user_id = ?2)
                """)
        statement.setUncheckedArguments([workspace, user, since])
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            let type: String = row[0]
            if SegmentEvents.isSegmentEvent(type) { continue }
            var event = AggregateEvent(type: type, item: row[1], value: row[2], session: row[3], timestamp: row[4])
            if rules.readsEventProperties, let text = row[5] as String? { event.properties = try? JSONParser().parse(text) }
            accumulator.add(event)
        }
        return accumulator.values
    }

    static func recordSegmentEvent(
        _ type: EventType, segment: String, user: String, workspace: Int64, at time: Int64, _ db: Database
    ) throws {
        let id = EventID.random()
        let properties = JSONValue.object([("segment", .string(segment))]).serialized()
        let insert = try db.cachedStatement(
            sql: "INSERT INTO events (workspace, id, type, user_id, properties, ts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        try insert.execute(arguments: [workspace, Data(id.bytes), type.rawValue, user, properties, time, time])
    }
}
