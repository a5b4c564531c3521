/// What an API key may do. `write` is safe to embed in a web page (events, identify); `read`
/// serves recommendations and assignments; `admin` may do everything in its workspace.
package enum AccessScope: String, Sendable, CaseIterable, Comparable {
    case write
    case read
    case admin

    /// Whether a key with this scope may perform an operation that requires `required`.
    package func permits(_ required: AccessScope) -> Bool {
        self == .admin || self == required
    }

    package static func < (lhs: AccessScope, rhs: AccessScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
