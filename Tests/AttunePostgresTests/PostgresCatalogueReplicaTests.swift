import AttuneCore
import AttunePostgres
import AttuneStore
import AttuneStoreTestSupport
import AttuneTestSupport
import Testing

/// Two `PostgresStore`s on one database, as two replicas are: concurrent catalogue, vector, text
/// and imputation writers from both, and changes made through one seen through the other.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresCatalogueReplicaTests {
    /// Runs `body` with two stores (separate pools) on one fresh, migrated database.
    static func withReplicas(
        _ body: @escaping @Sendable (PostgresStore, PostgresStore, PostgresConfiguration) async throws -> Void
    ) async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { first in
                try await PostgresStore.withStore(configuration, options: PostgresTestServer.options, logger: PostgresTestServer.logger) { second in
                    try await first.ensureWorkspace(.default, at: Fixtures.now)
                    try await body(first, second, configuration)
                }
            }
        }
    }

    @Test func replicasUpsertingOverlappingCataloguesAtOnceStoreEachItemOnce() async throws {
        try await Self.withReplicas { first, second, _ in
            try await CatalogStoreConformance.concurrentUpserts(writers: [first, second, first, second])
            #expect(try await second.stats(of: .default).items == 300)
        }
    }

    @Test func aCatalogueChangeThroughOneReplicaMovesTheVersionTheOtherReads() async throws {
        try await Self.withReplicas { first, second, _ in
            let empty = try await second.catalogVersion(in: .default)
            try await first.upsert([Fixtures.item("a")], in: .default)
            let added = try await second.catalogVersion(in: .default)
            #expect(added != empty)
            #expect(try await second.item(ItemID(unchecked: "a"), in: .default) == Fixtures.item("a"))
            try await first.upsert(
                [Fixtures.item("a", title: "New", at: Fixtures.now.adding(milliseconds: 1))], in: .default)
            let renamed = try await second.catalogVersion(in: .default)
            #expect(renamed != added)
            #expect(
                try await first.markUnavailable(
                    ItemID(unchecked: "a"), in: .default, at: Fixtures.now.adding(milliseconds: 2)))
            #expect(try await second.catalogVersion(in: .default) != renamed)
            #expect(try await second.catalogVersion(in: .default) == first.catalogVersion(in: .default))
        }
    }

    @Test func replicasPuttingVectorsOfDifferentDimensionsAtOnceNeverMixThem() async throws {
        try await Self.withReplicas { first, second, _ in
            try await EmbeddingStoreConformance.concurrentDimensions(writers: [first, second, first, second])
        }
    }

    @Test func replicasAppendingTextsAtOnceStoreEachOnceInPageOrder() async throws {
        try await Self.withReplicas { first, second, _ in
            try await TextStoreConformance.concurrentAppends(writers: [first, second, first, second])
        }
    }

    @Test func aReaderOnOneReplicaSeesEveryTextTheOtherAppends() async throws {
        try await Self.withReplicas { first, second, _ in
            try await TextStoreConformance.tailingReader(reader: first, writers: [second, second, first])
        }
    }

    @Test func replicasRunningOneImputationAtOnceLeaveOneRunWhole() async throws {
        try await Self.withReplicas { first, second, configuration in
            let people = try await PostgresPeople.make(first, configuration)
            try await ImputationStoreConformance.concurrentRuns(writers: [first, second], people: people)
        }
    }
}
