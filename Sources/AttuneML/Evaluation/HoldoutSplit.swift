/// The chronological leave-last-N-out split of the offline evaluation protocol.
///
/// Per user, interactions are ordered by `(timestamp, item)` ascending; the last `holdout` form the
/// held-out part and the rest the training part. Applying it again to the training part gives the
/// validation split. The item tie-break uses dense indices: build the item ``Vocabulary`` in
/// ascending id order so that it equals "ties by ascending item id".
package struct HoldoutSplit: Sendable {
    /// Per user, the earlier interactions in chronological order (may be empty).
    package let head: [[Int32]]
    /// Per user, the last `holdout` interactions (all of them when the user has fewer).
    package let tail: [[Int32]]

    /// Orders each user's interactions chronologically.
    ///
    /// - Parameters:
    ///   - users, items, timestamps: one entry per interaction (dense user and item indices).
    ///   - userCount: the number of users; users without interactions get an empty sequence.
    /// - Throws: `AttuneMLError.dimensionMismatch` on arrays of different length,
    ///   `AttuneMLError.indexOutOfRange` on a user outside `0..<userCount`.
    /// - Complexity: O(n log n).
    package static func chronologicalSequences(
        users: [Int32], items: [Int32], timestamps: [Int64], userCount: Int
    ) throws -> [[Int32]] {
        guard users.count == items.count, items.count == timestamps.count else {
            throw AttuneMLError.dimensionMismatch("\(users.count) users, \(items.count) items, \(timestamps.count) timestamps")
        }
        var perUser = [[(Int64, Int32)]](repeating: [], count: userCount)
        for k in users.indices {
            let u = users[k]
            guard u >= 0, Int(u) < userCount else { throw AttuneMLError.indexOutOfRange("user \(u) of \(userCount)") }
            perUser[Int(u)].append((timestamps[k], items[k]))
        }
        return perUser.map { events in
            events.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
        }
    }

    /// Splits ordered sequences, keeping the last `holdout` of each as the tail.
    /// - Parameter holdout: how many to hold out per user (> 0).
    package init(sequences: [[Int32]], holdout: Int) {
        precondition(holdout > 0, "holdout must be positive")
        var head: [[Int32]] = []
        var tail: [[Int32]] = []
        head.reserveCapacity(sequences.count)
        tail.reserveCapacity(sequences.count)
        for s in sequences {
            let cut = Swift.max(0, s.count - holdout)
            head.append(Array(s[..<cut]))
            tail.append(Array(s[cut...]))
        }
        self.head = head
        self.tail = tail
    }

    /// The users with a non-empty training part (those evaluated on a validation split).
    package var usersWithHistory: [Int] {
        head.indices.filter { !head[$0].isEmpty }
    }

    /// The training part as a binary user x item matrix.
    /// - Throws: `AttuneMLError.indexOutOfRange` when an item is outside `0..<itemCount`.
    package func trainingMatrix(itemCount: Int) throws -> SparseMatrix {
        try SparseMatrix(rowLists: head, columnCount: itemCount)
    }
}
