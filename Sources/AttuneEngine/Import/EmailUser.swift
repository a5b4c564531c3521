import AttuneCore
import Crypto

/// The user an e-mail address stands for when a transaction row has no customer id.
///
/// The id is derived from the address alone, so every import of every file maps one address to
/// one user without a lookup table, and the raw address never appears in the event log. With
/// pseudonymisation keys (the default) it is `email-` and the first 32 hex digits of the address's
/// matching token, a keyed hash that only the key's holder can recompute. Without them it is an
/// unkeyed SHA-256, which anyone who guesses the address can confirm: it keeps addresses out of
/// sight, it does not make them secret. The address itself is kept as the user's `email` trait.
enum EmailUser {
    /// Trimmed and lower-cased, checked for the shape of an address.
    /// - Throws: `AttuneError` naming `field` when the cell is not an e-mail address.
    static func normalized(_ raw: String, field: String) throws(AttuneError) -> String {
        let email = raw.trimmingSpaces().lowercased()
        guard email.utf8.count <= 254 else { throw .invalid(field, "must be at most 254 bytes") }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalid(field, "is not an e-mail address")
        }
        for byte in email.utf8 where byte <= 0x20 || byte == 0x7F {
            throw .invalid(field, "is not an e-mail address")
        }
        return email
    }

    /// The user id of a normalised address.
    static func user(of email: String, pii: PIIProtection?) -> UserID {
        if let pii { return UserID(unchecked: "email-" + pii.token(email, field: "email").prefix(32)) }
        let digest = Array(SHA256.hash(data: Array(("attune-email-v1|" + email).utf8)))
        return UserID(unchecked: "email-" + UserDigest.hex(Array(digest.prefix(16))))
    }
}
