import AttuneCore
import AttuneEngine
import Crypto
import Foundation

/// Signed, expiring dashboard sessions, kept by the browser in a cookie.
///
/// The cookie holds which key signed in (its public handle, never the key), the workspace and the
/// expiry, followed by an HMAC-SHA256 of them under a server secret: the server keeps no session
/// table, and a cookie cannot be forged or extended without the secret. Every request also asks
/// the keyring whether the key is still live and admin, so revoking the key ends its sessions.
struct DashboardSessions: Sendable {
    struct Claims: Sendable, Equatable {
        var keyID: String
        var workspace: WorkspaceID
        var expires: Timestamp
    }

    static let cookieName = "attune_session"
    /// Longest cookie value read; anything longer is not one of ours.
    static let maxTokenBytes = 1_024

    private let key: SymmetricKey
    let lifetime: Duration

    /// - Parameter secret: the signing key; `nil` draws 32 random bytes (sessions end on restart).
    init(secret: [UInt8]?, lifetime: Duration) {
        key = secret.map { SymmetricKey(data: $0) } ?? SymmetricKey(size: .bits256)
        self.lifetime = lifetime
    }

    /// A new session token for `principal`, valid for `lifetime` from `now`.
    func issue(for principal: Principal, now: Timestamp) -> String {
        let expires = now.millisecondsSinceEpoch + lifetime.components.seconds * 1_000
        var nonce = [UInt8](repeating: 0, count: 12)
        var generator = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = generator.next() }
        let payload = ["s1", principal.keyID, principal.workspace.rawValue, String(expires), Self.base64URL(nonce)]
            .joined(separator: "\n")
        let bytes = Array(payload.utf8)
        return Self.base64URL(bytes) + "." + Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key)))
    }

    /// The claims of a token that this server signed and that has not expired; `nil` otherwise.
    func verify(_ token: String, now: Timestamp) -> Claims? {
        guard token.utf8.count <= Self.maxTokenBytes else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.decodeBase64URL(parts[0]), let mac = Self.decodeBase64URL(parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key),
            let text = String(validating: payload, as: UTF8.self)
        else { return nil }
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0] == "s1", let expires = Int64(fields[3]),
            let workspace = try? WorkspaceID(validating: String(fields[2]))
        else { return nil }
        guard now.millisecondsSinceEpoch < expires else { return nil }
        return Claims(keyID: String(fields[1]), workspace: workspace, expires: Timestamp(millisecondsSinceEpoch: expires))
    }

    /// The anti-forgery value the session's forms carry: derived from the session token, so a
    /// page from another site (which cannot read the cookie) cannot know it.
    func csrfToken(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(("csrf\n" + token).utf8), using: key)
        return Self.base64URL(Array(mac))
    }

    func csrfMatches(_ presented: String, token: String) -> Bool {
        constantTimeEqual(Array(presented.utf8), Array(csrfToken(for: token).utf8))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decodeBase64URL(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.allSatisfy({ Self.isBase64URL($0) }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }
}
