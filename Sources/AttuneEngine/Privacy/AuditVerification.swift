import AttuneCore
import AttuneStore

/// The first place where the audit chain does not hold.
package enum AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// The row's content or hash no longer matches its seal, or (when found at the row after it)
    /// it was replaced and re-sealed.
    case edited(sequence: Int64)
    /// Rows `first...last` are missing.
    case deleted(first: Int64, last: Int64)
    /// The row does not link to the one before it: it was added by hand.
    case inserted(sequence: Int64)

    package var description: String {
        switch self {
        case .edited(let sequence): "row \(sequence) was edited"
        case .deleted(let first, let last) where first == last: "row \(first) was deleted"
        case .deleted(let first, let last): "rows \(first) to \(last) were deleted"
        case .inserted(let sequence): "row \(sequence) was inserted"
        }
    }
}

/// What `AuditLog.verify()` found.
package struct AuditVerification: Sendable, Equatable {
    /// Rows whose link and seal were checked and hold.
    package var verifiedRows: Int
    /// The last verified row's sequence number and hash (zero and the genesis hash when empty).
    package var headSequence: Int64
    package var headHash: [UInt8]
    package var problem: AuditProblem?

    package var isIntact: Bool { problem == nil }
    package var headHashHex: String { headHash.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

/// Walks the chain in order. Each row is checked for its own seal, for a gap in sequence
/// numbers, and for its link to the row before; which of edited / inserted / deleted a broken
/// link means depends on the row after it, so `check` takes that row too.
struct AuditChainVerifier {
    private var expectedPrevious = auditGenesisHash
    private var lastSequence: Int64 = 0
    private var verified = 0

    mutating func check(_ record: AuditRecord, next: AuditRecord?) -> AuditProblem? {
        let sealed = AuditLog.seal(previousHash: record.previousHash, sequence: record.sequence, entry: record.entry)
        guard constantTimeEqual(sealed, record.hash) else { return .edited(sequence: record.sequence) }
        if record.sequence > lastSequence + 1 {
            return .deleted(first: lastSequence + 1, last: record.sequence - 1)
        }
        if record.previousHash != expectedPrevious {
            // A forged last row links to nothing; a row in the middle whose predecessor was
            // re-sealed after an edit links to that row's old hash; the first row has no
            // predecessor to blame.
            if next == nil, lastSequence > 0 { return .inserted(sequence: record.sequence) }
            return .edited(sequence: lastSequence > 0 ? lastSequence : record.sequence)
        }
        expectedPrevious = record.hash
        lastSequence = record.sequence
        verified += 1
        return nil
    }

    func result(_ problem: AuditProblem?) -> AuditVerification {
        AuditVerification(verifiedRows: verified, headSequence: lastSequence, headHash: expectedPrevious, problem: problem)
    }
}
