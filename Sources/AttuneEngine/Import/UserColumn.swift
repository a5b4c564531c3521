import AttuneCore

/// The user-id column of a user or consent import, resolved from the first row (the column
/// `--user-column` names, else the first of `UserImporter.idColumns` present), and each row's id.
struct UserColumn {
    private let given: String?
    private var resolved: String?

    init(given: String?) {
        self.given = given
    }

    /// The column's normalised name.
    /// - Throws: `ImportFailure` when the file lacks it, which stops the import.
    mutating func name(for row: TabularRow) throws -> String {
        if let resolved { return resolved }
        let present = Set(row.order)
        let name: String
        if let given {
            name = TabularSource.normalizeHeader(given)
            guard present.contains(name) else { throw ImportFailure.missingColumn(option: "--user-column", name: given) }
        } else {
            guard let found = UserImporter.idColumns.first(where: present.contains) else { throw ImportFailure.noIdentityColumn }
            name = found
        }
        resolved = name
        return name
    }

    /// The row's user id, trimmed.
    /// - Throws: `AttuneError` for a missing or invalid id, which rejects the row only.
    static func user(in row: TabularRow, column: String) throws(AttuneError) -> UserID {
        guard let user: UserID = try EventDecoder.identifier(CellTyping.trimmed(row.cells[column]), field: column) else {
            throw AttuneError.missing(column)
        }
        return user
    }
}
