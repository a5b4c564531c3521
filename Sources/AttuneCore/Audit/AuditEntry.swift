/// One audited action, before it is sealed into the chain.
package struct AuditEntry: Sendable, Equatable {
    package var time: Timestamp
    /// Who did it: an API key's id (`key_…`), `cli` for the command-line tool, or `retention` for the
    /// scheduled purge of old events.
    package var actor: String
    package var action: AuditAction
    package var workspace: WorkspaceID?
    /// What it was done to: a key id, a workspace, a user by the digest of their id (never the id).
    package var subject: String?
    /// Free-form detail (a scope, a configuration summary). Never a secret.
    package var detail: String?

    package init(
        time: Timestamp, actor: String, action: AuditAction, workspace: WorkspaceID? = nil, subject: String? = nil,
        detail: String? = nil
    ) {
        self.time = time
        self.actor = actor
        self.action = action
        self.workspace = workspace
        self.subject = subject
        self.detail = detail
    }

    /// The bytes the chain hashes for this entry at `sequence`: a version tag, then every field
    /// length-prefixed, so that no two different rows share an encoding (`"ab","c"` ≠ `"a","bc"`)
    /// and an absent field differs from an empty one.
    package func canonicalContent(sequence: Int64) -> [UInt8] {
        var bytes = Array("attune-audit-v1".utf8)
        func append(_ value: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        func append(_ text: String?) {
            guard let text else {
                bytes.append(0)
                return
            }
            bytes.append(1)
            append(UInt64(text.utf8.count))
            bytes.append(contentsOf: text.utf8)
        }
        append(UInt64(bitPattern: sequence))
        append(UInt64(bitPattern: time.millisecondsSinceEpoch))
        append(actor)
        append(action.rawValue)
        append(workspace?.rawValue)
        append(subject)
        append(detail)
        return bytes
    }
}

/// An entry as stored: its place in the log and the hashes that chain it to the row before.
package struct AuditRecord: Sendable, Equatable {
    package var sequence: Int64
    package var entry: AuditEntry
    package var previousHash: [UInt8]
    package var hash: [UInt8]

    package init(sequence: Int64, entry: AuditEntry, previousHash: [UInt8], hash: [UInt8]) {
        self.sequence = sequence
        self.entry = entry
        self.previousHash = previousHash
        self.hash = hash
    }
}
