import AttuneCore
@testable import AttunePostgres
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The key rotation's rewrite on a database that other replicas keep writing to.
@Suite(.enabled(if: PostgresTestServer.isConfigured, PostgresTestServer.skipMessage))
struct PostgresKeyRotationTests {
    static let users = 120

    /// The rewrite's `old-` → `new-`; a replica that already has the new key writes `new-` values.
    @Sendable static func renew(_ text: String) -> String? {
        text.contains("old-") ? text.replacingOccurrences(of: "old-", with: "new-") : nil
    }

    @Sendable static func prefixes(_ text: String) -> Set<String> {
        Set(["old", "new"].filter { text.contains("\($0)-") })
    }

    static func identify(_ user: String, _ traits: String, source: String) -> Identify {
        Identify(anonymousID: nil, userID: UserID(unchecked: user), traits: traits, timestamp: Fixtures.now, source: source)
    }

    /// One replica rewrites in small pages while another declares, for the same users, new
    /// traits through the source being rewritten and through another one, and declares new
    /// users: every declaration survives, and nothing is left under the old key.
    @Test func aRewriteRacingIdentifyThroughAnotherReplicaLosesNoTraitAndLeavesNoOldKey() async throws {
        try await PostgresTestServer.withFreshDatabase { configuration in
            // A race, not a latency check: inside the whole suite on two busy cores an identify
            // waiting behind rewrite pages once ran past the default 10 s deadline three times.
            let patient = PostgresStore.Options(operationTimeout: .seconds(60))
            try await PostgresStore.withStore(configuration, options: patient, logger: PostgresTestServer.logger) { rotating in
                try await PostgresStore.withStore(configuration, options: patient, logger: PostgresTestServer.logger) { replica in
                    try await rotating.ensureWorkspace(.default, at: Fixtures.now)
                    let names = (0..<Self.users).map { String(format: "u%03d", $0) }
                    try await rotating.record(names.map { Self.identify($0, #"{"plan":"old-\#($0)"}"#, source: "api") }, in: .default)
                    let rewrite = Task {
                        try await rotating.rewriteDeclaredTraits(in: .default, batchSize: 3, Self.renew)
                    }
                    // From the last user down, so that declarations meet the rewrite's cursor mid-way.
                    for (n, user) in names.reversed().enumerated() {
                        try await replica.record(
                            [
                                Self.identify(user, #"{"late":"new-\#(user)"}"#, source: "api"),
                                Self.identify(user, #"{"crm":"new-\#(user)"}"#, source: "crm"),
                                Self.identify("n\(n)", #"{"fresh":"new-\#(n)"}"#, source: "api"),
                            ], in: .default)
                    }
                    let counts = try await rewrite.value
                    #expect(counts.declarations <= Self.users)
                    #expect(try await replica.declaredTraitKeyUse(in: .default, pageSize: 7, Self.prefixes) == ["new": 3 * Self.users + 2 * Self.users])
                    for user in names {
                        let traits = try #require(try await replica.traits(of: UserID(unchecked: user), in: .default))
                        for key in [#""plan":"new-\#(user)""#, #""late":"new-\#(user)""#, #""crm":"new-\#(user)""#] {
                            #expect(traits.contains(key), "\(user): \(traits)")
                        }
                    }
                    for n in 0..<Self.users {
                        #expect(try await replica.traits(of: UserID(unchecked: "n\(n)"), in: .default) == #"{"fresh":"new-\#(n)"}"#)
                    }
                }
            }
        }
    }

    /// Key use read in pages smaller than the workspace counts every text once.
    @Test func keyUseIsCountedAcrossPages() async throws {
        try await PostgresTestServer.withFreshStore { store in
            try await store.ensureWorkspace(.default, at: Fixtures.now)
            try await store.record(
                (0..<10).flatMap { n in
                    [Self.identify("u\(n)", #"{"a":"old-\#(n)"}"#, source: "api"), Self.identify("u\(n)", #"{"b":"new-\#(n)"}"#, source: "crm")]
                }, in: .default)
            for page in [1, 3, 10, 100] {
                // Twenty declarations, each one prefix; ten resolved texts holding both.
                #expect(try await store.declaredTraitKeyUse(in: .default, pageSize: page, Self.prefixes) == ["old": 20, "new": 20])
            }
        }
    }
}
