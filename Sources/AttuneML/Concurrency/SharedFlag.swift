import Synchronization

/// A set-once flag that parallel workers raise to report failure to the caller.
package final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    package init() {}
    package func set() { value.store(true, ordering: .relaxed) }
    package var isSet: Bool { value.load(ordering: .relaxed) }
}
