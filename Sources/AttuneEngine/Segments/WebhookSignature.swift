import Crypto
import Foundation

/// How a webhook request is signed: `X-Attune-Signature: sha256=HEX` where HEX is
/// HMAC-SHA256(secret, "TIMESTAMP.BODY") and TIMESTAMP is `X-Attune-Timestamp` (epoch seconds).
/// Signing the timestamp with the body lets a receiver refuse replays of old deliveries.
package enum WebhookSignature {
    package static func sign(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time check of a received signature.
    package static func verify(_ signature: String, secret: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = Array(sign(secret: secret, timestamp: timestamp, body: body).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, given) { difference |= a ^ b }
        return difference == 0
    }
}
