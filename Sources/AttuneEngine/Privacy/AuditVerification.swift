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
    /// The row a head kept from an earlier run names is there but with another hash: the chain
    /// up to it was rewritten and sealed again.
    case rewritten(sequence: Int64)

    package var description: String {
        switch self {
        case .edited(let sequence): "row \(sequence) was edited"
        case .deleted(let first, let last) where first == last: "row \(first) was deleted"
        case .deleted(let first, let last): "rows \(first) to \(last) were deleted"
        case .inserted(let sequence): "row \(sequence) was inserted"
        case .rewritten(let sequence): "row \(sequence) no longer has the kept head's hash: the log was rewritten up to it"
        }
    }
}

/// A head printed by an earlier verification, kept outside the database: rows cut off the end
/// of the log leave a valid chain, which only a comparison with an older head can tell.
package struct AuditHead: Sendable, Equatable {
    package var sequence: Int64
    package var hash: [UInt8]

    package init(sequence: Int64, hash: [UInt8]) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Parses `SEQUENCE:HEX` as `audit verify` prints it (`SEQUENCE HEX` is taken too).
    /// - Throws: `AttuneError` naming `field`.
    package init(parsing text: String, field: String) throws(AttuneError) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == " " }).map(String.init)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence >= 0, let hash = Self.bytes(hex: parts[1]) else {
            throw .invalid(field, "must be a sequence number and a SHA-256 hash in hex, as SEQUENCE:HASH")
        }
        self.init(sequence: sequence, hash: hash)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.lowercased().utf8)
        guard digits.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
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
    package var head: AuditHead { AuditHead(sequence: headSequence, hash: headHash) }
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
