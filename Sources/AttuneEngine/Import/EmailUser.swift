import AttuneCore
import Crypto

/// The user an e-mail address stands for when a transaction row has no customer id.
///
/// The id is derived from the address alone (`email-` and 32 hex digits of the SHA-256 of the
/// trimmed, lower-cased address), so every import of every file maps one address to one user
/// without a lookup table, and the raw address never appears in the event log. An unkeyed hash
/// can be confirmed by anyone who guesses the address: it keeps addresses out of sight, it does
/// not make them secret. The address itself is kept as the user's `email` trait.
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
    static func user(of email: String) -> UserID {
        let digest = Array(SHA256.hash(data: Array(("attune-email-v1|" + email).utf8)))
        return UserID(unchecked: "email-" + UserDigest.hex(Array(digest.prefix(16))))
    }
}
