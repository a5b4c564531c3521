/// What a file dropped into the watched import folder holds, from its name: `events-…`,
/// `users-…`, `items-…`, `transactions-…` or `consent-…` (the kind, then `-` or `_`, any case),
/// or any name inside a subfolder named for the kind (`events/2026-11-30.csv`).
package enum ImportKind: String, Sendable, CaseIterable {
    case events
    case users
    case items
    case transactions
    case consent

    /// The kind named by `fileName`'s prefix, else by `folder` (the subfolder holding the file).
    package init?(fileName: String, folder: String? = nil) {
        let lowered = fileName.lowercased()
        for kind in Self.allCases {
            let prefix = kind.rawValue
            guard lowered.hasPrefix(prefix), lowered.count > prefix.count + 1 else { continue }
            let separator = lowered[lowered.index(lowered.startIndex, offsetBy: prefix.count)]
            if separator == "-" || separator == "_" {
                self = kind
                return
            }
        }
        guard let folder, let kind = ImportKind(rawValue: folder.lowercased()) else { return nil }
        self = kind
    }
}
