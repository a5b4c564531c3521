import AttuneCore
import Crypto

/// The SHA-256 of a user id: what is kept of an erased person (to leave them out of training) and
/// what audit rows name instead of the id.
package enum UserDigest {
    package static func of(_ user: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(user.utf8)))
    }

    package static func of(_ user: UserID) -> [UInt8] { of(user.rawValue) }

    /// Lower-case hexadecimal.
    package static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// How audit rows name a user: `sha256:` and the digest in hex.
    package static func auditSubject(_ user: UserID) -> String { "sha256:" + hex(of(user)) }
}

/// A filter over user ids by their digest, remembering each answer: training asks once per
/// interaction, and hashing every row again would cost more than reading it.
package struct ErasedUserFilter: Sendable {
    let digests: Set<[UInt8]>
    private var answers: [String: Bool] = [:]

    package init(digests: Set<[UInt8]>) { self.digests = digests }

    package mutating func isErased(_ user: String) -> Bool {
        guard !digests.isEmpty else { return false }
        if let known = answers[user] { return known }
        let erased = digests.contains(UserDigest.of(user))
        answers[user] = erased
        return erased
    }
}
