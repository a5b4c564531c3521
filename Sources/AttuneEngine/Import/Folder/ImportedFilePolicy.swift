/// What the watched import folder does with a file it imported (`--import-done`).
///
/// An imported file holds the rows as the other system wrote them, personal data in clear: neither
/// pseudonymisation, key rotation, retention nor erasure reaches a copy kept in `done/`.
package enum ImportedFilePolicy: String, Sendable, CaseIterable {
    /// The file is deleted once imported; only its report stays in `done/`. The source system
    /// keeps its own export, so nothing is lost that cannot be sent again.
    case delete
    /// The file is moved to `done/` beside its report, for whoever must check or replay it.
    case keep
}
