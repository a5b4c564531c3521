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
    /// The same rule as identity resolution's, so an address that names a user here is one it can match.
    static func normalized(_ raw: String, field: String) throws(AttuneError) -> String {
        try PersonIdentifier.email(raw, field: field).value
    }

    /// The user id of a normalised address.
    static func user(of email: String, pii: PIIProtection?) -> UserID {
        if let pii { return UserID(unchecked: "email-" + pii.token(email, field: "email").prefix(32)) }
        let digest = Array(SHA256.hash(data: Array(("attune-email-v1|" + email).utf8)))
        return UserID(unchecked: "email-" + UserDigest.hex(Array(digest.prefix(16))))
    }
}
