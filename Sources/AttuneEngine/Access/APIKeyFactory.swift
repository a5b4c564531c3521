import AttuneCore
import AttuneStore
import Crypto
import Foundation

/// Makes API keys: `atn_<scope>_<32 base62 characters>` (about 190 bits of randomness).
package enum APIKeyFactory {
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    package static func generate(scope: AccessScope) -> String {
        var generator = SystemRandomNumberGenerator()
        var body = [UInt8]()
        body.reserveCapacity(32)
        while body.count < 32 {
            // Rejection sampling keeps every character equally likely.
            let byte = UInt8.random(in: 0...255, using: &generator)
            if byte < 248 { body.append(alphabet[Int(byte % 62)]) }
        }
        return "atn_\(scope.rawValue)_" + String(decoding: body, as: UTF8.self)
    }

    package static func digest(of key: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(key.utf8)))
    }

    /// The record to store for `key`: its digest and a short handle that reveals little.
    package static func record(
        for key: String, workspace: WorkspaceID, scope: AccessScope, label: String, now: Timestamp
    ) -> APIKeyRecord {
        let digest = digest(of: key)
        let handle = digest.prefix(6).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return APIKeyRecord(
            id: "key_" + handle, workspace: workspace, scope: scope, digest: digest, label: label, createdAt: now)
    }

    /// Validates a key supplied by an operator (environment or flag).
    package static func validateSupplied(_ key: String, name: String) throws(AttuneError) {
        guard key.utf8.count >= 16, key.utf8.count <= 256 else {
            throw .invalid(name, "must be 16 to 256 characters")
        }
        for byte in key.utf8 where byte <= 0x20 || byte >= 0x7F {
            throw .invalid(name, "must be printable ASCII without spaces")
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
