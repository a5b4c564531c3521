import AttuneCore
import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The secrets of pseudonymisation: one HMAC-SHA256 key for matching tokens, and AES-256-GCM keys
/// by id, the `current` one encrypting and older ones still decrypting.
///
/// Kept as JSON (`{"matching": base64, "current": "k2", "encryption": {"k1": base64, ...}}`) in
/// the environment variable `ATTUNE_PII_KEYS` or, without it, in `pii-keys.json` in the data
/// directory, created with mode 0600 on first use.
package struct PIIKeys: Sendable {
    package var matching: SymmetricKey
    package var encryption: [String: SymmetricKey]
    package var current: String

    package static let environmentVariable = "ATTUNE_PII_KEYS"
    package static let fileName = "pii-keys.json"

    package static func generate() -> PIIKeys {
        PIIKeys(matching: SymmetricKey(size: .bits256), encryption: ["k1": SymmetricKey(size: .bits256)], current: "k1")
    }

    /// A new encryption key becomes current; the matching key stays (tokens must keep matching).
    package func rotated() -> PIIKeys {
        let next = (encryption.keys.compactMap { Int($0.dropFirst()) }.max() ?? 0) + 1
        var copy = self
        copy.encryption["k\(next)"] = SymmetricKey(size: .bits256)
        copy.current = "k\(next)"
        return copy
    }

    package var json: String {
        func encoded(_ key: SymmetricKey) -> JSONValue { .string(key.withUnsafeBytes { Data($0).base64EncodedString() }) }
        return JSONValue.object([
            ("matching", encoded(matching)),
            ("current", .string(current)),
            ("encryption", .object(encryption.sorted { $0.key < $1.key }.map { ($0.key, encoded($0.value)) })),
        ]).serialized()
    }

    /// - Throws: `AttuneError` `invalid_value` naming what is wrong (never a key's bytes).
    package init(json text: String) throws {
        let json = try JSONParser().parse(text)
        func key(_ value: JSONValue?, _ field: String) throws -> SymmetricKey {
            guard let text = value?.stringValue, let data = Data(base64Encoded: text), data.count == 32 else {
                throw AttuneError.invalid(field, "must be 32 bytes in base64")
            }
            return SymmetricKey(data: data)
        }
        matching = try key(json["matching"], "matching")
        guard let current = json["current"]?.stringValue else { throw AttuneError.invalid("current", "must name a key") }
        self.current = current
        var keys: [String: SymmetricKey] = [:]
        for (id, value) in json["encryption"]?.objectMembers ?? [] { keys[id] = try key(value, "encryption.\(id)") }
        guard keys[current] != nil else { throw AttuneError.invalid("current", "names no encryption key") }
        encryption = keys
    }

    private init(matching: SymmetricKey, encryption: [String: SymmetricKey], current: String) {
        self.matching = matching
        self.encryption = encryption
        self.current = current
    }

    /// The keys from `ATTUNE_PII_KEYS` when set, else from the data directory's file, created
    /// when missing.
    package static func load(dataDirectory: String, environment: [String: String]) throws -> PIIKeys {
        if let text = environment[environmentVariable], !text.isEmpty { return try PIIKeys(json: text) }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        if let data = FileManager.default.contents(atPath: path) {
            return try PIIKeys(json: String(decoding: data, as: UTF8.self))
        }
        // Processes starting together on a new data directory (`serve --role api` beside
        // `worker`) must all end up with the same keys: the file is created only when absent,
        // and a process that finds it made meanwhile uses what it holds. Replacing it, as `save`
        // does, left the first process protecting values with keys nobody kept.
        let keys = generate()
        if try keys.create(path: path) { return keys }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AttuneError(code: .storage, message: "cannot read the key file")
        }
        return try PIIKeys(json: String(decoding: data, as: UTF8.self))
    }

    /// Writes the key file (mode 0600) unless one exists: written under a name of its own, then
    /// hard-linked into place, which fails when the name is taken. Returns whether it created it.
    private func create(path: String) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
        else { throw AttuneError(code: .storage, message: "cannot write the key file") }
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        guard errno == EEXIST else { throw AttuneError(code: .storage, message: "cannot create the key file") }
        return false
    }

    /// The keys when the environment or the data directory holds them; `nil` otherwise (nothing
    /// was ever protected there).
    package static func loadIfPresent(dataDirectory: String, environment: [String: String]) throws -> PIIKeys? {
        if let text = environment[environmentVariable], !text.isEmpty { return try PIIKeys(json: text) }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try load(dataDirectory: dataDirectory, environment: [:])
    }

    /// Writes the file (mode 0600) by a rename, so a crash never leaves half a key file.
    package func save(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(
            atPath: temporary, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
        else { throw AttuneError(code: .storage, message: "cannot write the key file") }
        guard rename(temporary, path) == 0 else { throw AttuneError(code: .storage, message: "cannot replace the key file") }
    }
}
