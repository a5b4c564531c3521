import AttuneCore
import Crypto
import Foundation

/// Pseudonymisation of declared attributes that are personal data (`email`, `phone`, `name`,
/// `address`, `ip` and any configured name): each string value is stored as
/// `{"$pii": {"token": HMAC-SHA256 hex of the normalised value, "value": "KEY-ID:base64 AES-GCM"}}`.
/// The token lets equal values be matched without reading them; the ciphertext keeps the value
/// for the person's export and an admin's profile read, which ``reveal(_:)`` decrypts.
package struct PIIProtection: Sendable {
    package static let defaultFields: Set<String> = ["email", "phone", "name", "address", "ip"]
    static let marker = "$pii"

    let keys: PIIKeys
    package let fields: Set<String>
    /// Derives each value's nonce (see ``sealed(_:field:)``); kept apart from the matching key.
    private let nonceKey: SymmetricKey
    /// Each field's name, lower-cased, quoted, as UTF-8: what a byte scan looks for.
    let quotedFields: [[UInt8]]

    package init(keys: PIIKeys, fields: Set<String> = PIIProtection.defaultFields) {
        self.keys = keys
        self.fields = Set(fields.map { $0.lowercased() })
        quotedFields = self.fields.map { Array("\"\($0)\"".utf8) }
        nonceKey = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array("attune-pii-nonce-v1".utf8), using: keys.matching)))
    }

    /// The matching token of `value` for `field`: e-mail and names compare without case and
    /// surrounding spaces, phone numbers by their digits.
    package func token(_ value: String, field: String) -> String {
        let normalised: String
        if field == "phone" {
            normalised = String(value.unicodeScalars.filter { $0.properties.numericType != nil }.map(Character.init))
        } else {
            normalised = value.trimmingSpaces().lowercased()
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(normalised.utf8), using: keys.matching)
        return UserDigest.hex(Array(mac))
    }

    /// A traits object (JSON text) with its personal attributes' string values protected;
    /// `null` (removal in a merge patch) and values already protected stay as they are.
    /// - Throws: `AttuneError` when the text is not a JSON object.
    package func protect(_ traits: String) throws -> String {
        guard case .object(var members) = try JSONParser().parse(traits) else {
            throw AttuneError.invalid("traits", "must be a JSON object")
        }
        var changed = false
        for index in members.indices where isPersonal(members[index].key) {
            guard let value = Self.personalText(members[index].value) else { continue }
            members[index].value = try sealed(value, field: members[index].key.lowercased())
            changed = true
        }
        return changed ? JSONValue.object(members).serialized(sortedKeys: true) : traits
    }

    /// Whether a member of this name holds personal data: names compare without case (`Email` is
    /// an e-mail address too).
    func isPersonal(_ key: String) -> Bool {
        fields.contains(key) || fields.contains(key.lowercased())
    }

    /// The text of a personal value: strings as they are, numbers as written (a phone number
    /// imported from a spreadsheet arrives as one); `nil` for what holds no personal data (null,
    /// booleans) or is already protected.
    static func personalText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number(let number): JSONValue.format(number)
        default: nil
        }
    }

    /// The traits with every protected value decrypted; a value under a key no longer held reads
    /// as `null`.
    package func reveal(_ traits: String) -> String {
        guard let json = try? JSONParser().parse(traits) else { return traits }
        var changed = false
        let opened = revealed(json, changed: &changed)
        return changed ? opened.serialized(sortedKeys: true) : traits
    }

    /// ``reveal(_:)`` on a parsed traits object.
    package func revealed(_ traits: JSONValue) -> JSONValue {
        var changed = false
        return revealed(traits, changed: &changed)
    }

    private func revealed(_ traits: JSONValue, changed: inout Bool) -> JSONValue {
        guard case .object(var members) = traits else { return traits }
        for index in members.indices {
            guard let cipher = Self.ciphertext(members[index].value) else { continue }
            members[index].value = opened(cipher).map(JSONValue.string) ?? .null
            changed = true
        }
        return changed ? .object(members) : traits
    }

    /// The traits with values under an older key encrypted again under the current one; `nil`
    /// when none needed it (or one cannot be decrypted any more: a value under a key no longer
    /// held stays as it is).
    package func reencrypted(_ traits: String) throws -> String? {
        guard case .object(var members)? = try? JSONParser().parse(traits) else { return nil }
        var changed = false
        for index in members.indices {
            guard let cipher = Self.ciphertext(members[index].value), !cipher.hasPrefix(keys.current + ":"),
                let plain = opened(cipher)
            else { continue }
            // Sealed under the lower-cased name, as ``protect(_:)`` does: the token (and the
            // nonce) depend on the field, and an `Email` must keep matching an `email`.
            members[index].value = try sealed(plain, field: members[index].key.lowercased())
            changed = true
        }
        return changed ? JSONValue.object(members).serialized(sortedKeys: true) : nil
    }

    /// The nonce is a keyed hash of key id, field and value (a synthetic IV): the same value seals
    /// to the same bytes, so writing an unchanged attribute again (a re-import, a repeated
    /// `identify`) changes nothing stored and makes no profile version, and distinct values still
    /// get distinct nonces. It reveals only that two ciphertexts hold equal values, which the
    /// matching token already shows.
    func sealed(_ value: String, field: String) throws -> JSONValue {
        var material = Array(keys.current.utf8)
        material.append(0)
        material += Array(field.utf8)
        material.append(0)
        material += Array(value.utf8)
        let nonce = try AES.GCM.Nonce(data: Array(HMAC<SHA256>.authenticationCode(for: material, using: nonceKey)).prefix(12))
        guard let key = keys.encryption[keys.current],
            let combined = try AES.GCM.seal(Array(value.utf8), using: key, nonce: nonce).combined
        else { throw AttuneError(code: .storage, message: "the encryption key is missing") }
        return .object([(Self.marker, .object([
            ("token", .string(token(value, field: field))),
            ("value", .string(keys.current + ":" + combined.base64EncodedString())),
        ]))])
    }

    /// The ids of the encryption keys the traits' protected values are under. With `readableOnly`,
    /// only of the values these keys open: one under a key no longer held (or a foreign key that
    /// happens to share an id) can be neither read nor moved, and no retirement changes that.
    package func keyIDs(_ traits: String, readableOnly: Bool = false) -> Set<String> {
        guard case .object(let members)? = try? JSONParser().parse(traits) else { return [] }
        var out: Set<String> = []
        for member in members {
            guard let cipher = Self.ciphertext(member.value), let colon = cipher.firstIndex(of: ":") else { continue }
            if readableOnly, opened(cipher) == nil { continue }
            out.insert(String(cipher[..<colon]))
        }
        return out
    }

    func opened(_ cipher: String) -> String? {
        guard let colon = cipher.firstIndex(of: ":"), let key = keys.encryption[String(cipher[..<colon])],
            let data = Data(base64Encoded: String(cipher[cipher.index(after: colon)...])),
            let box = try? AES.GCM.SealedBox(combined: data), let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }

    static func ciphertext(_ value: JSONValue) -> String? {
        guard case .object(let members) = value, members.count == 1, members[0].key == marker else { return nil }
        return members[0].value["value"]?.stringValue
    }
}
