import AttuneCore

/// A "do not merge" pair seen from one side: `user` and `other` were split by unmerge `merge`
/// at `at`, and automatic resolution keeps them apart.
package struct MergeBlock: Sendable, Equatable {
    package var user: UserID
    package var other: UserID
    package var merge: Int64
    package var at: Timestamp

    package init(user: UserID, other: UserID, merge: Int64, at: Timestamp) {
        self.user = user
        self.other = other
        self.merge = merge
        self.at = at
    }
}
