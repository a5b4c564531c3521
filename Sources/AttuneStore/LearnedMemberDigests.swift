import AttuneCore

/// The digests of the members of a learned segments replacement, which each store compares with
/// its erased users' digests (``SegmentStore/replaceLearnedSegments(_:in:digest:)``). Hashed
/// before the write, not while it holds the store's write lock.
package enum LearnedMemberDigests {
    /// - Returns: each distinct member's `digest`, by user id.
    package static func of(
        _ segments: [(segment: Segment, members: [UserID])], _ digest: (UserID) -> [UInt8]
    ) -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for (_, members) in segments {
            for user in members where out[user.rawValue] == nil { out[user.rawValue] = digest(user) }
        }
        return out
    }
}
