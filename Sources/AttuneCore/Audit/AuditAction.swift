/// What an audit row records. A struct rather than an enum so that later features (exports,
/// erasures, merges, consent changes) add their own actions without touching this file.
package struct AuditAction: Sendable, Hashable, CustomStringConvertible {
    package let rawValue: String

    /// - Precondition: `rawValue` is a short dotted name chosen by the code, never user input.
    package init(_ rawValue: String) { self.rawValue = rawValue }

    package static let keyCreated = AuditAction("key.create")
    package static let keyRevoked = AuditAction("key.revoke")
    package static let workspaceCreated = AuditAction("workspace.create")
    /// An admin key read a person's profile.
    package static let profileRead = AuditAction("profile.read")
    package static let configurationChanged = AuditAction("config.change")

    package var description: String { rawValue }
}
