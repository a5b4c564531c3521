import AttuneCore
import AttuneStore

/// Proof of an erasure, given to the caller and summarised in the audit log. It names the person
/// only by digest, so it can be kept without keeping them.
package struct ErasureReceipt: Sendable, Equatable {
    package var receiptID: String
    /// SHA-256 of the user id, hexadecimal.
    package var userDigest: String
    package var workspace: WorkspaceID
    package var erasedAt: Timestamp
    package var counts: ErasureCounts
    /// Stored model snapshots rewritten without the user's id.
    package var modelSnapshots: Int

    package var json: JSONValue {
        .object([
            ("receiptId", .string(receiptID)),
            ("userDigest", .string(userDigest)),
            ("workspace", .string(workspace.rawValue)),
            ("erasedAt", .string(erasedAt.iso8601)),
            ("deleted", .object([
                ("events", .number(Double(counts.events))),
                ("profiles", .number(Double(counts.profiles))),
                ("profileVersions", .number(Double(counts.profileVersions))),
                ("declaredTraits", .number(Double(counts.declaredTraits))),
                ("identityLinks", .number(Double(counts.identityLinks))),
                ("segmentMemberships", .number(Double(counts.segmentMemberships))),
                ("exposures", .number(Double(counts.exposures))),
                ("activitySummaries", .number(Double(counts.activitySummaries))),
                ("texts", .number(Double(counts.texts))),
                ("consentRecords", .number(Double(counts.consentRecords))),
                ("identityRecords", .number(Double(counts.identityRecords))),
                ("modelSnapshots", .number(Double(modelSnapshots))),
            ])),
        ])
    }

    /// The audit row's detail: the receipt without the digest (the row's subject holds it).
    var auditDetail: String {
        "receipt=\(receiptID) events=\(counts.events) profiles=\(counts.profiles) versions=\(counts.profileVersions) "
            + "traits=\(counts.declaredTraits) "
            + "links=\(counts.identityLinks) memberships=\(counts.segmentMemberships) exposures=\(counts.exposures) "
            + "texts=\(counts.texts) consent=\(counts.consentRecords) models=\(modelSnapshots)"
    }
}
