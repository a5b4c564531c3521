import AttuneCore
import AttuneStore
import Logging
import PostgresNIO

/// Real-time membership: re-evaluating users inside the transaction that changed them, with a
/// fixed number of round trips whatever the number of users.
extension PostgresStore {
    /// The compiled rule segments of a workspace, recompiled only when the workspace's segment
    /// generation has moved: one primary-key read per write, so a segment created through another
    /// replica (or the command line) is applied by this one's next write. Read under the
    /// workspace's write lock, it is the generation of the last committed segment write.
    func segmentRules(_ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws
        -> SegmentRuleSet
    {
        let rows = try await connection.query(
            "SELECT generation FROM segment_generations WHERE workspace = \(workspace)", logger: logger)
        var generation: Int64 = 0
        for try await value in rows.decode(Int64.self) { generation = value }
        if let cached = segmentRuleCache.withLock({ $0[workspace] }), cached.generation == generation {
            return cached.rules
        }
        let segments = try await connection.query(
            "SELECT id, rule FROM segments WHERE workspace = \(workspace) AND kind = 'rule' ORDER BY id", logger: logger)
        var rules: [(id: SegmentID, rule: RuleExpression)] = []
        for try await (id, source) in segments.decode((String, String?).self) {
            // Rules were checked when saved; one a later version refuses matches nobody rather
            // than stopping ingestion.
            guard let source, let rule = try? RuleExpression.compile(source, schema: ProfileFields.schema) else { continue }
            rules.append((SegmentID(unchecked: id), rule))
        }
        let set = SegmentRuleSet(rules: rules)
        segmentRuleCache.withLock { $0[workspace] = (generation, set) }
        return set
    }

    /// Marks the workspace's segments changed, inside the write that changes them.
    static func invalidateSegmentRules(_ workspace: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO segment_generations (workspace, generation) VALUES (\(workspace), 1)
            ON CONFLICT (workspace) DO UPDATE SET generation = segment_generations.generation + 1
            """, logger: logger)
    }

    /// Evaluates `users` against the rule segments at `now` (milliseconds) and records each change
    /// as a membership row and a segment event. The events are inserted here, not appended, so
    /// they never come back through profile updates or this evaluation.
    /// - Parameters:
    ///   - consent: the decisions of `users` when the caller read them already.
    ///   - known: the profiles of `users` when the caller has just saved them (every one of them).
    @discardableResult
    func reevaluateSegments(
        _ users: [String], workspace: Int64, now: Int64, _ connection: PostgresConnection, _ logger: Logger,
        consent known: PostgresConsentView? = nil, profiles saved: [String: ProfileTraits]? = nil
    ) async throws -> MembershipChanges {
        var changes = MembershipChanges()
        let rules = try await segmentRules(workspace, connection, logger)
        guard !rules.isEmpty, !users.isEmpty else { return changes }
        let ruleIDs = Set(rules.entries.map(\.id.rawValue))
        let consent: PostgresConsentView
        if let known {
            consent = known
        } else {
            consent = try await PostgresConsentView.read(users, workspace: workspace, connection, logger)
        }
        // Without personalization consent a person is in no segment.
        let personal = users.filter { consent.permits(.personalization, for: $0) }
        let profiles: [String: ProfileTraits]
        if let saved {
            profiles = saved
        } else {
            profiles = try await Self.loadProfiles(workspace, personal, forUpdate: false, connection, logger)
                .mapValues(\.traits)
        }
        var attributes: [String: JSONValue] = [:]
        if rules.readsAttributes {
            let reveal = declaredValueReveal.withLock { $0 }
            for (user, text) in try await Self.declaredTraits(workspace, personal, connection, logger) {
                guard let value = try? JSONParser().parse(text) else { continue }
                attributes[user] = reveal?(value) ?? value
            }
        }
        let aggregates = rules.aggregates.isEmpty
            ? [:] : try await Self.aggregateValues(rules, workspace, personal, now, connection, logger)
        let current = try await Self.memberships(workspace, users, connection, logger)
        let instant = Timestamp(millisecondsSinceEpoch: now)
        var enters = (segments: [String](), users: [String]())
        var leaves = (segments: [String](), users: [String]())
        var logged = (ids: [EventID](), types: [String](), users: [String](), properties: [String]())
        func log(_ type: EventType, _ segment: String, _ user: String) {
            logged.ids.append(EventID.random())
            logged.types.append(type.rawValue)
            logged.users.append(user)
            logged.properties.append(JSONValue.object([("segment", .string(segment))]).serialized())
        }
        for user in users {
            var matched: Set<String> = []
            if consent.permits(.personalization, for: user) {
                var record = ProfileRecord(user: user, traits: profiles[user])
                if rules.readsAttributes { record.attributes = attributes[user] }
                if !rules.aggregates.isEmpty {
                    record.aggregates = aggregates[user] ?? EventAggregateAccumulator(rules.aggregates, now: now).values
                }
                matched = Set(rules.matching(record, now: instant).map(\.rawValue))
            }
            // A segment event is an event about the person: only stored with analytics consent.
            let logs = consent.permits(.analytics, for: user)
            let before = (current[user] ?? []).intersection(ruleIDs)
            for id in matched.subtracting(before).sorted() {
                enters.segments.append(id)
                enters.users.append(user)
                if logs { log(SegmentEvents.entered, id, user) }
                changes.entered += 1
            }
            for id in before.subtracting(matched).sorted() {
                leaves.segments.append(id)
                leaves.users.append(user)
                if logs { log(SegmentEvents.left, id, user) }
                changes.left += 1
            }
            changes.evaluated += 1
        }
        guard !enters.users.isEmpty || !leaves.users.isEmpty else { return changes }
        try await connection.query(
            """
            WITH entered AS (
                INSERT INTO segment_memberships (workspace, segment_id, user_id, entered_at)
                SELECT \(workspace), segment_id, user_id, \(now)
                FROM unnest(\(enters.segments)::text[], \(enters.users)::text[]) AS t(segment_id, user_id)
            ),
            departed AS (
                DELETE FROM segment_memberships m
                USING unnest(\(leaves.segments)::text[], \(leaves.users)::text[]) AS t(segment_id, user_id)
                WHERE m.workspace = \(workspace) AND m.segment_id = t.segment_id AND m.user_id = t.user_id
            )
            INSERT INTO events (workspace, id, type, user_id, properties, ts, received_at)
            SELECT \(workspace), id, type, user_id, properties, \(now), \(now)
            FROM unnest(\(logged.ids.map(\.uuid))::uuid[], \(logged.types)::text[], \(logged.users)::text[],
                        \(logged.properties)::text[]) WITH ORDINALITY AS t(id, type, user_id, properties, ord)
            ORDER BY ord
            """, logger: logger)
        return changes
    }

    /// The segments each of `users` is in.
    static func memberships(
        _ workspace: Int64, _ users: [String], _ connection: PostgresConnection, _ logger: Logger
    ) async throws -> [String: Set<String>] {
        let rows = try await connection.query(
            """
            SELECT user_id, segment_id FROM segment_memberships
            WHERE workspace = \(workspace) AND user_id = ANY(\(users)::text[])
            """, logger: logger)
        var out: [String: Set<String>] = [:]
        for try await (user, segment) in rows.decode((String, String).self) { out[user, default: []].insert(segment) }
        return out
    }

    /// Each user's aggregates over the events their profile owns (own and linked anonymous ones),
    /// reading only as far back as the longest window; one statement for all of `users`.
    static func aggregateValues(
        _ rules: SegmentRuleSet, _ workspace: Int64, _ users: [String], _ now: Int64, _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws -> [String: [Double]] {
        guard !users.isEmpty else { return [:] }
        let since = rules.longestWindowSeconds.map { now - Int64($0 * 1000) } ?? Int64.min
        let properties = rules.readsEventProperties ? "e.properties" : "NULL::text"
        // Own events first, then each linked visitor's, each in log order, as SQLite reads them:
        // sums of fractional values then add up in the same order on both stores.
        let rows = try await connection.query(
            """
            SELECT owner, type, item_id, value, session_id, ts, properties FROM (
                SELECT e.user_id AS owner, 0 AS part, '' AS visitor, e.seq, e.type, e.item_id, e.value, e.session_id,
                       e.ts, \(unescaped: properties) AS properties
                FROM events e
                WHERE e.workspace = \(workspace) AND e.user_id = ANY(\(users)::text[]) AND e.ts >= \(since)
                UNION ALL
                SELECT i.user_id, 1, i.anonymous_id, e.seq, e.type, e.item_id, e.value, e.session_id, e.ts,
                       \(unescaped: properties)
                FROM identities i
                JOIN events e ON e.workspace = i.workspace AND e.anonymous_id = i.anonymous_id
                WHERE i.workspace = \(workspace) AND i.user_id = ANY(\(users)::text[]) AND e.user_id IS NULL
                  AND e.ts >= \(since)
            ) owned
            ORDER BY part, visitor COLLATE "C", seq
            """, logger: logger)
        var accumulators: [String: EventAggregateAccumulator] = [:]
        let decoded = rows.decode((String, String, String?, Double?, String?, Int64, String?).self)
        for try await (owner, type, item, value, session, ts, text) in decoded {
            if SegmentEvents.isSegmentEvent(type) { continue }
            var event = AggregateEvent(type: type, item: item, value: value, session: session, timestamp: ts)
            if rules.readsEventProperties, let text { event.properties = try? JSONParser().parse(text) }
            accumulators[owner, default: EventAggregateAccumulator(rules.aggregates, now: now)].add(event)
        }
        return accumulators.mapValues(\.values)
    }
}
