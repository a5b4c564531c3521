import ArgumentParser
import AttuneEngine
import Foundation

/// Pseudonymisation of personal data, shared by `serve` and the imports that store personal data.
/// On unless `--no-pseudonymize`: a store that holds raw e-mail addresses by default is one
/// misconfiguration away from a leak, and the token keeps equal values matchable.
struct PIIOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: "Store personal attributes (email, phone, name, address, ip and each --pii-field) as an HMAC token and AES-GCM ciphertext, and the same fields of event properties and context as the token only; keys from ATTUNE_PII_KEYS or the data directory's pii-keys.json.")
    var pseudonymize = true

    @Option(name: .customLong("pii-field"), help: "Another personal field to pseudonymise; repeat for more.")
    var piiFields: [String] = []

    func validate() throws {
        if !piiFields.isEmpty, !pseudonymize { throw ValidationError("--pii-field cannot be used with --no-pseudonymize") }
        for field in piiFields where field.isEmpty || field.utf8.count > 64 {
            throw ValidationError("--pii-field must name a field of 1 to 64 bytes")
        }
    }

    /// The protection to apply, loading (or creating) the keys; `nil` with `--no-pseudonymize`.
    func protection(dataDirectory: String) throws -> PIIProtection? {
        guard pseudonymize else { return nil }
        return protection(keys: try PIIKeys.load(dataDirectory: dataDirectory, environment: ProcessInfo.processInfo.environment))
    }

    /// ``protection(dataDirectory:)`` with the keys of the store the command acts on (on
    /// PostgreSQL those of the environment, which every process there shares).
    func protection(_ opened: CommandStore) throws -> PIIProtection? {
        guard pseudonymize else { return nil }
        return protection(keys: try opened.piiKeys())
    }

    /// The protection under keys already loaded; `nil` with `--no-pseudonymize`.
    func protection(keys: PIIKeys) -> PIIProtection? {
        pseudonymize ? PIIProtection(keys: keys, fields: PIIProtection.defaultFields.union(piiFields)) : nil
    }
}
