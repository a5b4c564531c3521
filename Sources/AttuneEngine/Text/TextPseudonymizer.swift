import AttuneCore
import Crypto
import Foundation

/// Replaces personal data found in text (e-mail addresses, phone numbers) by a keyed hash, so
/// that the stored text no longer holds them but two texts naming the same address still match.
///
/// The token is the first 16 hex digits of HMAC-SHA256(key, kind ":" normal form), as
/// `[email:0123456789abcdef]`: without the key it cannot be reversed by hashing guesses.
package struct TextPseudonymizer: Sendable {
    let key: SymmetricKey

    /// A pseudonymiser keyed by `secret` (at least 16 bytes).
    package init(secret: [UInt8]) {
        key = SymmetricKey(data: secret)
    }

    /// A random key, for tests and for a server that was given none (tokens then differ per run).
    package static func random() -> TextPseudonymizer {
        TextPseudonymizer(secret: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }

    /// Reads the key from `path`, creating it (32 random bytes, readable by the owner only) when
    /// the file does not exist.
    /// - Throws: when the file cannot be read or written, or holds fewer than 16 bytes.
    package static func loadOrCreate(at path: String) throws -> TextPseudonymizer {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255) }
            guard manager.createFile(atPath: path, contents: Data(secret), attributes: [.posixPermissions: 0o600]) else {
                throw AttuneError(code: .storage, message: "cannot write the text pseudonymisation key")
            }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard data.count >= 16 else {
            throw AttuneError(code: .invalidValue, message: "the text pseudonymisation key is shorter than 16 bytes")
        }
        return TextPseudonymizer(secret: [UInt8](data))
    }

    /// The token standing for a value of `kind` in its normal form.
    package func token(kind: String, value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(kind):\(value)".utf8), using: key)
        let hex = mac.prefix(8).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        return "[\(kind):\(hex)]"
    }
}
