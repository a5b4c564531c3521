/// A tenant. Every stored row belongs to exactly one workspace.
///
/// Names are short lowercase slugs (`[a-z0-9][a-z0-9_-]{0,63}`) because they appear in paths,
/// file names and key listings.
package struct WorkspaceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let rawValue: String

    package static let `default` = WorkspaceID(unchecked: "default")

    package init(unchecked rawValue: String) { self.rawValue = rawValue }

    package init(validating raw: String) throws(AttuneError) {
        let bytes = Array(raw.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else {
            throw .invalid("workspace", "must be 1 to 64 characters")
        }
        for (i, b) in bytes.enumerated() {
            let isAlnum = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            let ok = isAlnum || (i > 0 && (b == UInt8(ascii: "-") || b == UInt8(ascii: "_")))
            guard ok else { throw .invalid("workspace", "must match [a-z0-9][a-z0-9_-]*") }
        }
        self.rawValue = raw
    }

    package static func < (lhs: WorkspaceID, rhs: WorkspaceID) -> Bool { lhs.rawValue < rhs.rawValue }
    package var description: String { rawValue }
}
