import AttuneCore
import AttuneML
import AttuneStore

/// User-item interactions in dense indices: what every recommender trains on.
///
/// Vocabularies are built in ascending id order (numeric when every id is an integer), so that
/// "ties broken by item id" in the evaluation protocol equals "ties broken by index".
package struct InteractionLog: Sendable {
    package var users: Vocabulary<String>
    package var items: Vocabulary<String>
    package var userIndices: [Int32] = []
    package var itemIndices: [Int32] = []
    /// Seconds since the epoch.
    package var timestamps: [Int64] = []
    package var weights: [Float] = []

    package var count: Int { userIndices.count }

    /// Builds the log from raw (user, item, seconds, weight) rows.
    package init(rows: [(user: String, item: String, time: Int64, weight: Float)]) {
        users = Vocabulary(Self.naturalOrder(Set(rows.map(\.user))))
        items = Vocabulary(Self.naturalOrder(Set(rows.map(\.item))))
        userIndices.reserveCapacity(rows.count)
        for row in rows {
            userIndices.append(users.index(of: row.user)!)
            itemIndices.append(items.index(of: row.item)!)
            timestamps.append(row.time)
            weights.append(row.weight)
        }
    }

    /// Every event of a workspace that names a known user and an item, weighted by its type.
    /// Anonymous-only events wait for identity resolution (profiles) before they train models.
    /// Users whose digest is in `erased` are left out (events sent after their erasure), and so
    /// are users without personalization consent in `consent`.
    package static func load(
        from store: any EventStore, workspace: WorkspaceID, weights: EventWeights = EventWeights(),
        erased: Set<[UInt8]> = [], consent: ConsentSnapshot? = nil
    ) async throws -> InteractionLog {
        var rows: [(user: String, item: String, time: Int64, weight: Float)] = []
        var cursor: Int64?
        var filter = ErasedUserFilter(digests: erased)
        while true {
            let page = try await store.interactions(in: workspace, after: cursor, limit: 100_000)
            for interaction in page {
                let weight = weights.weight(of: interaction.type)
                guard weight > 0, !filter.isErased(interaction.user.rawValue) else { continue }
                if let consent, !consent.permits(.personalization, for: interaction.user.rawValue) { continue }
                rows.append((
                    interaction.user.rawValue, interaction.item.rawValue, interaction.timestamp.millisecondsSinceEpoch / 1000,
                    weight))
            }
            guard let last = page.last, page.count == 100_000 else { break }
            cursor = last.sequence
        }
        return InteractionLog(rows: rows)
    }

    /// Ascending, comparing as integers when every key is one.
    static func naturalOrder(_ keys: Set<String>) -> [String] {
        let numeric = keys.compactMap { key in Int64(key).map { ($0, key) } }
        if numeric.count == keys.count { return numeric.sorted { $0.0 < $1.0 }.map(\.1) }
        return keys.sorted()
    }

    /// Each user's distinct items in chronological order, `(timestamp, item)` ascending; a
    /// repeated item keeps its latest time.
    package func chronologicalSequences() throws -> [[Int32]] {
        try chronologicalSequencesWithTimes().items
    }

    /// The sequences of ``chronologicalSequences()`` with each item's time (seconds).
    package func chronologicalSequencesWithTimes() throws -> (items: [[Int32]], times: [[Int64]]) {
        var latest: [Int64: Int64] = [:]
        latest.reserveCapacity(count)
        for k in 0..<count {
            let key = Int64(userIndices[k]) << 32 | Int64(itemIndices[k])
            latest[key] = max(latest[key] ?? .min, timestamps[k])
        }
        var u: [Int32] = []
        var i: [Int32] = []
        var t: [Int64] = []
        for (key, time) in latest {
            u.append(Int32(key >> 32))
            i.append(Int32(truncatingIfNeeded: key))
            t.append(time)
        }
        var perUser = [[(Int64, Int32)]](repeating: [], count: users.count)
        for k in u.indices { perUser[Int(u[k])].append((t[k], i[k])) }
        var items: [[Int32]] = []
        var times: [[Int64]] = []
        items.reserveCapacity(users.count)
        times.reserveCapacity(users.count)
        for events in perUser {
            let sorted = events.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            items.append(sorted.map(\.1))
            times.append(sorted.map(\.0))
        }
        return (items, times)
    }

    /// The user x item matrix with summed weights (confidence for ALS, presence for the rest).
    package func matrix() throws -> SparseMatrix {
        try SparseMatrix(rowCount: users.count, columnCount: items.count, rows: userIndices, columns: itemIndices, values: weights)
    }
}

/// How much each event type counts as evidence of interest.
package struct EventWeights: Sendable {
    package var byType: [String: Float] = [
        "purchase": 4, "add_to_cart": 2, "rate": 1, "view": 1, "click": 1, "interaction": 1, "video_play": 1,
    ]
    /// Types not listed (page views, searches, scrolls, custom types).
    package var other: Float = 0.5

    package init() {}

    package func weight(of type: EventType) -> Float {
        byType[type.rawValue] ?? other
    }
}
