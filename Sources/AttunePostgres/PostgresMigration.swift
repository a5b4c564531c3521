/// One named step of the PostgreSQL schema, applied once, in its own transaction.
///
/// Statements are separate because the extended query protocol that postgres-nio speaks runs one
/// statement per query. They are constant SQL written here, never built from input.
package struct PostgresMigration: Sendable {
    package var name: String
    package var statements: [String]

    package init(_ name: String, _ statements: [String]) {
        self.name = name
        self.statements = statements
    }
}
