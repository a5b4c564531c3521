import AttuneCore

extension AuditAction {
    /// Everything about a person was exported; the subject is the user id's digest.
    package static let userExported = AuditAction("user.export")
    /// A person's profile history was read; the subject is the user id's digest.
    package static let userHistoryRead = AuditAction("user.history")
    /// A person was erased; the subject is the user id's digest, the detail the receipt.
    package static let userErased = AuditAction("user.erase")
    /// A person's consent changed; the subject is the user id's digest, the detail the change.
    package static let consentChanged = AuditAction("consent.change")
    /// The policy for undecided purposes (opt-in or opt-out) changed.
    package static let consentDefaultChanged = AuditAction("consent.default")
    /// The encryption key of personal attributes was rotated; the detail names the new key id.
    package static let piiKeyRotated = AuditAction("pii.rotate")
    /// Encryption keys older than the current one were removed; the detail names them.
    package static let piiKeysRetired = AuditAction("pii.retire")
    /// Events past the retention limit were deleted.
    package static let eventsPurged = AuditAction("events.purge")
}
