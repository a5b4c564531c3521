/// What an import did, with the rows it could not take and why.
package struct ImportReport: Sendable, Equatable {
    package struct Problem: Sendable, Equatable {
        package var line: Int
        package var message: String

        package init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// Rows kept in `problems`; the count of all rejected rows is `rejected`.
    package static let maxListedProblems = 1_000

    package var rowsRead = 0
    package var imported = 0
    package var duplicates = 0
    package var rejected = 0
    /// Users merged into another because they share an identifier (user imports).
    package var merges = 0
    /// Identifiers that would have merged two users an unmerge keeps apart: left with their holder.
    package var refusedIdentifiers = 0
    package var problems: [Problem] = []
    /// Rows kept without one of their values (a phone number that could not be normalised):
    /// `warned` counts them all, `warnings` lists the first ``maxListedProblems``.
    package var warned = 0
    package var warnings: [Problem] = []
    package var dryRun = false

    package init(dryRun: Bool = false) {
        self.dryRun = dryRun
    }

    mutating func reject(line: Int, _ message: String) {
        rejected += 1
        if problems.count < Self.maxListedProblems { problems.append(Problem(line: line, message: message)) }
    }

    mutating func warn(line: Int, _ message: String) {
        warned += 1
        if warnings.count < Self.maxListedProblems { warnings.append(Problem(line: line, message: message)) }
    }
}

/// Progress of a long import, for a progress bar.
package struct ImportProgress: Sendable {
    package var bytesDone: Int
    package var bytesTotal: Int
    package var rows: Int
}
