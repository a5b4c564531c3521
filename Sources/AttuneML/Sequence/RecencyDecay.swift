import RealModule

/// How much less an older interaction counts when a user's history is summed into a profile.
///
/// An interaction of age `a` weighs `2^(−a / halfLife)`: the newest weighs 1, one of age
/// `halfLife` weighs ½. Age is counted in positions from the end of the user's chronological
/// sequence (the last item has age 0), or in timestamp units before the user's latest interaction.
/// Exponential decay of this kind is the usual way to let recent tastes dominate a profile
/// (Ding & Li, "Time weight collaborative filtering", CIKM 2005).
package enum RecencyDecay: Sendable, Equatable {
    /// Every interaction weighs 1.
    case none
    /// Age in positions from the end of the sequence.
    case position(halfLife: Double)
    /// Age in timestamp units (for example seconds) before the latest interaction.
    case time(halfLife: Double)

    /// Whether ``weights(count:timestamps:)`` needs timestamps.
    package var needsTimestamps: Bool {
        if case .time = self { return true }
        return false
    }

    /// - Throws: `AttuneMLError.invalidArgument` on a half-life that is not positive and finite.
    package func validate() throws {
        switch self {
        case .none: return
        case .position(let h), .time(let h):
            guard h > 0, h.isFinite else {
                throw AttuneMLError.invalidArgument("half-life must be positive and finite")
            }
        }
    }

    /// The weight of each element of a chronological sequence of `count` interactions.
    ///
    /// - Parameter timestamps: one per interaction, ascending; required by `.time`, else ignored.
    /// - Throws: `AttuneMLError.invalidArgument` when `.time` gets no timestamps,
    ///   `AttuneMLError.dimensionMismatch` when their count differs from `count`.
    /// - Complexity: O(count).
    package func weights(count: Int, timestamps: [Int64]? = nil) throws -> [Float] {
        switch self {
        case .none:
            return [Float](repeating: 1, count: count)
        case .position(let h):
            return (0..<count).map { k in Float(Double.exp2(-Double(count - 1 - k) / h)) }
        case .time(let h):
            guard let t = timestamps else { throw AttuneMLError.invalidArgument("time decay needs timestamps") }
            guard t.count == count else {
                throw AttuneMLError.dimensionMismatch("\(count) items, \(t.count) timestamps")
            }
            guard let latest = t.max() else { return [] }
            return t.map { Float(Double.exp2(-Double(Swift.max(0, latest - $0)) / h)) }
        }
    }

    /// A users x items matrix whose row `u` holds the recency weights of user `u`'s last `limit`
    /// interactions (all of them when `limit` is `nil`); a repeated item sums its weights.
    ///
    /// - Parameters:
    ///   - sequences: per user, item indices in chronological order (oldest first).
    ///   - timestamps: per user, aligned with `sequences`; required by `.time`.
    ///   - itemCount: the catalogue size.
    ///   - limit: how many of the latest interactions to keep (> 0), or `nil` for all.
    /// - Throws: `AttuneMLError.indexOutOfRange` on an item outside the catalogue,
    ///   `AttuneMLError.dimensionMismatch` on misaligned timestamps, `AttuneMLError.invalidArgument`
    ///   on a bad decay or limit.
    /// - Complexity: O(Σ n_u log n_u).
    package func userItemWeights(
        sequences: [[Int32]], timestamps: [[Int64]]? = nil, itemCount: Int, limit: Int? = nil
    ) throws -> SparseMatrix {
        try validate()
        if let l = limit, l <= 0 { throw AttuneMLError.invalidArgument("history limit must be positive") }
        if let t = timestamps, t.count != sequences.count {
            throw AttuneMLError.dimensionMismatch("\(sequences.count) sequences, \(t.count) timestamp lists")
        }
        var rows: [Int32] = []
        var cols: [Int32] = []
        var vals: [Float] = []
        for (u, sequence) in sequences.enumerated() {
            let start = Swift.max(0, sequence.count - (limit ?? sequence.count))
            let items = Array(sequence[start...])
            var stamps: [Int64]?
            if let t = timestamps {
                guard t[u].count == sequence.count else {
                    throw AttuneMLError.dimensionMismatch(
                        "user \(u): \(sequence.count) items, \(t[u].count) timestamps")
                }
                stamps = Array(t[u][start...])
            }
            let w = try weights(count: items.count, timestamps: stamps)
            for (k, item) in items.enumerated() {
                rows.append(Int32(u))
                cols.append(item)
                vals.append(w[k])
            }
        }
        return try SparseMatrix(
            rowCount: sequences.count, columnCount: itemCount, rows: rows, columns: cols, values: vals)
    }

    // MARK: Persistence

    package func write(to w: inout BinaryWriter) {
        switch self {
        case .none:
            w.write(UInt8(0))
            w.write(Double(0))
        case .position(let h):
            w.write(UInt8(1))
            w.write(h)
        case .time(let h):
            w.write(UInt8(2))
            w.write(h)
        }
    }

    /// - Throws: `AttuneMLError.corruptData` on an unknown kind or a bad half-life.
    package init(from r: inout BinaryReader) throws {
        let kind = try r.read(UInt8.self)
        let h = try r.readDouble()
        switch kind {
        case 0: self = .none
        case 1: self = .position(halfLife: h)
        case 2: self = .time(halfLife: h)
        default: throw AttuneMLError.corruptData("unknown recency decay kind \(kind)")
        }
        do { try validate() } catch { throw AttuneMLError.corruptData("stored half-life is invalid") }
    }
}
