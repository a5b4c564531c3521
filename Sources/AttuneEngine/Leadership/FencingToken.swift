/// The number of one term of leadership, higher for every later term of any process on the same
/// database. A leader-only write carries the token of the term that started it, and the store
/// refuses it once a later term has begun: a leader whose lock was taken from it (its session
/// ended while it still ran) cannot write beside, or after, its successor.
///
/// A lock that only the processes of one machine share (``FileLockLeadership``) has none, and
/// their writes are not fenced: that lock is lost only when someone replaces its file, and the
/// leader notices within its check interval.
package struct FencingToken: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let term: Int64

    package init(term: Int64) {
        self.term = term
    }

    package static func < (lhs: FencingToken, rhs: FencingToken) -> Bool { lhs.term < rhs.term }

    package var description: String { "term \(term)" }
}
