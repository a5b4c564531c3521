import AttuneCore

/// The reads of one recommendation request, which a store may answer as of one moment: the
/// SQLite store's serving cache then asks the database whether anything changed once per
/// request instead of once per read (each ask takes and drops a file lock: two system calls).
///
/// `ServingReadScope.$current.withValue(ServingReadScope()) { ... }` around the request; a
/// store that keeps no such cache ignores it.
package final class ServingReadScope: Sendable {
    @TaskLocal package static var current: ServingReadScope?

    private let taken = Locked<Int64??>(.none)

    package init() {}

    /// The scope's stamp, from `probe` the first time; `fresh` when this call probed.
    func stamp(_ probe: () -> Int64?) -> (stamp: Int64?, fresh: Bool) {
        taken.withLock { taken in
            if case .some(let stamp) = taken { return (stamp, false) }
            let stamp = probe()
            taken = .some(stamp)
            return (stamp, true)
        }
    }
}
