import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// What every backend's in-place rewrite behind key rotation must do: every declared-traits text
/// of the workspace, resolved and per source, page by page, and nothing else. Run against each
/// store (SQLite in AttuneStoreTests, PostgreSQL in AttunePostgresTests); each check takes a
/// fresh, empty store.
package enum ProtectedValueStoreConformance {
    package typealias Store = EventStore & WorkspaceStore & IdentityStore & ProfileStore & ProtectedValueStore

    /// What the checks read from a backend's tables directly.
    package struct Tables: Sendable {
        /// The `default` workspace's per-source declarations, by user then source.
        package var declarations: @Sendable () async throws -> [String]
        /// Every `updated_at` of declarations and resolved traits, sorted.
        package var updateTimes: @Sendable () async throws -> [Int64]

        package init(
            declarations: @escaping @Sendable () async throws -> [String],
            updateTimes: @escaping @Sendable () async throws -> [Int64]
        ) {
            self.declarations = declarations
            self.updateTimes = updateTimes
        }
    }

    package static let other = WorkspaceID(unchecked: "other")

    /// The checks by name, for `@Test(arguments:)`.
    package typealias Check = (name: String, run: @Sendable (any Store, Tables) async throws -> Void)

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [Check] = pagedChecks + otherChecks

    /// The rewrite in one page, in pages of one, and in pages that split a user's declarations.
    static let pagedChecks: [Check] = [1, 2, 500].map { batchSize -> Check in
        ("everyTextIsRewrittenInPlaceAcrossPagesAndNothingElseChanges(batchSize: \(batchSize))", { store, tables in
            try await everyTextIsRewrittenInPlaceAcrossPagesAndNothingElseChanges(store, tables, batchSize: batchSize)
        })
    }

    static let otherChecks: [Check] = [
        ("aThrowingRewriteLeavesItsBatchAsItWas", { store, _ in try await aThrowingRewriteLeavesItsBatchAsItWas(store) }),
        ("aRewriteRunAgainChangesNothing", { store, _ in try await aRewriteRunAgainChangesNothing(store) }),
        ("keyUseCountsEveryTextOfTheWorkspace", { store, _ in try await keyUseCountsEveryTextOfTheWorkspace(store) }),
        ("anUnknownWorkspaceHasNothingToRewrite", { store, _ in try await anUnknownWorkspaceHasNothingToRewrite(store) }),
    ]

    package static var names: [String] { checks.map(\.name) }

    /// Runs the check called `name` on `store`, reading its tables through `tables`.
    package static func run(_ name: String, on store: any Store, tables: Tables) async throws {
        let check = try #require(checks.first { $0.name == name }, "no conformance check named \(name)")
        try await check.run(store, tables)
    }

    static func declare(
        _ store: some Store, _ user: String, _ traits: String, source: String = IdentifierSource.api,
        in workspace: WorkspaceID = .default
    ) async throws {
        try await store.record(
            Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: traits, timestamp: Fixtures.now, source: source),
            in: workspace)
    }

    /// Declarations through several sources, and one in another workspace.
    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1")])])
        for (user, source) in [("u1", "api"), ("u1", "crm"), ("u2", "crm"), ("u3", "shop"), ("u4", "api")] {
            try await declare(store, user, #"{"\#(source)":"old-\#(source)"}"#, source: source)
        }
        try await declare(store, "x1", #"{"tag":"old-x"}"#, in: other)
    }

    /// The caller's rewrite in these checks: `old-` becomes `new-`, except in texts with an api
    /// value, which it leaves alone.
    @Sendable static func renew(_ text: String) -> String? {
        text.contains("old-api") || !text.contains("old-") ? nil : text.replacingOccurrences(of: "old-", with: "new-")
    }

    static func everyTextIsRewrittenInPlaceAcrossPagesAndNothingElseChanges(_ store: some Store, _ tables: Tables, batchSize: Int)
        async throws
    {
        try await prepare(store)
        let history = try await store.profileHistory(of: UserID(unchecked: "u1"), in: .default, before: nil, limit: 100)
        let times = try await tables.updateTimes()

        let counts = try await store.rewriteDeclaredTraits(in: .default, batchSize: batchSize, renew)
        // u1's resolved traits and u4's hold an api value, which this rewrite leaves alone.
        #expect(counts == DeclaredTraitsRewrite(users: 2, declarations: 3))
        #expect(try await tables.declarations() == [
            #"{"api":"old-api"}"#, #"{"crm":"new-crm"}"#, #"{"crm":"new-crm"}"#, #"{"shop":"new-shop"}"#, #"{"api":"old-api"}"#,
        ])
        #expect(try await store.traits(of: UserID(unchecked: "u2"), in: .default) == #"{"crm":"new-crm"}"#)
        #expect(try await store.traits(of: UserID(unchecked: "u1"), in: .default)?.contains("old-crm") == true)
        #expect(try await store.traits(of: UserID(unchecked: "x1"), in: other) == #"{"tag":"old-x"}"#)
        #expect(try await store.profileHistory(of: UserID(unchecked: "u1"), in: .default, before: nil, limit: 100) == history)
        #expect(try await tables.updateTimes() == times, "no update time moves")
    }

    static func aThrowingRewriteLeavesItsBatchAsItWas(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        for user in ["u1", "u2"] { try await declare(store, user, #"{"tag":"old"}"#) }
        await #expect(throws: Refused.self) {
            _ = try await store.rewriteDeclaredTraits(in: .default, batchSize: 10) { text in
                if text.contains("old") { throw Refused() }
                return nil
            }
        }
        #expect(try await store.traits(of: UserID(unchecked: "u1"), in: .default) == #"{"tag":"old"}"#)
    }

    /// What a retried or resumed run does: texts already rewritten are kept.
    static func aRewriteRunAgainChangesNothing(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.rewriteDeclaredTraits(in: .default, batchSize: 2, renew)
        let again = try await store.rewriteDeclaredTraits(in: .default, batchSize: 2, renew)
        #expect(again == DeclaredTraitsRewrite())
    }

    static func keyUseCountsEveryTextOfTheWorkspace(_ store: some Store) async throws {
        try await prepare(store)
        // A text's "keys" here are its values' prefixes.
        let prefixes: @Sendable (String) -> Set<String> = { text in
            Set(["old", "new"].filter { text.contains("\($0)-") })
        }
        // Five declarations and four resolved texts, each holding an old value.
        #expect(try await store.declaredTraitKeyUse(in: .default, prefixes) == ["old": 9])
        _ = try await store.rewriteDeclaredTraits(in: .default, batchSize: 2, renew)
        // Left old: u1's and u4's api declarations, and u1's and u4's resolved texts (which hold
        // an api value); u1's resolved text holds no new value.
        #expect(try await store.declaredTraitKeyUse(in: .default, prefixes) == ["old": 4, "new": 5])
        #expect(try await store.declaredTraitKeyUse(in: other, prefixes) == ["old": 2])
        #expect(try await store.declaredTraitKeyUse(in: WorkspaceID(unchecked: "nowhere"), prefixes).isEmpty)
    }

    static func anUnknownWorkspaceHasNothingToRewrite(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        let counts = try await store.rewriteDeclaredTraits(in: WorkspaceID(unchecked: "nowhere"), batchSize: 10, renew)
        #expect(counts == DeclaredTraitsRewrite())
    }
}

private struct Refused: Error {}
