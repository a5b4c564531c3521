/// The name an experiment is addressed by in URLs, CLIs and hash seeds: 1 to 64 bytes of letters,
/// digits, `-`, `_` and `.`, so that it never needs escaping and hashes the same everywhere.
package struct ExperimentKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let rawValue: String

    package init(unchecked rawValue: String) { self.rawValue = rawValue }

    package static let maxLength = 64

    package static func validated(_ raw: String, field: String) throws(AttuneError) -> ExperimentKey {
        guard !raw.isEmpty, raw.utf8.count <= maxLength else { throw .invalid(field, "must be 1 to \(maxLength) bytes") }
        for byte in raw.utf8 {
            let ok = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F || byte == 0x2E
            guard ok else { throw .invalid(field, "may hold only letters, digits, '-', '_' and '.'") }
        }
        return ExperimentKey(unchecked: raw)
    }

    package static func < (lhs: ExperimentKey, rhs: ExperimentKey) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { rawValue }
}
