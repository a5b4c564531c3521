import Testing

/// A set of backend-neutral checks, written once and run against each store (SQLite in
/// AttuneStoreTests, PostgreSQL in AttunePostgresTests), each check on a fresh, empty store.
/// A suite lists its checks by name; a backend's test runs them with `@Test(arguments: names)`.
package protocol ConformanceSuite {
    /// What a check is given: the store, as the existential of the protocols it needs.
    associatedtype Subject

    static var checks: [(name: String, run: @Sendable (Subject) async throws -> Void)] { get }
}

extension ConformanceSuite {
    /// The checks by name, for `@Test(arguments:)`.
    package static var names: [String] { checks.map(\.name) }

    /// Runs the check called `name` on `store`.
    package static func run(_ name: String, on store: Subject) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(store)
    }
}
