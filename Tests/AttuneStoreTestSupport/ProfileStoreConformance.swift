import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// What every backend's profiles and their history must do, kept by appends and identify in the
/// transactions that change them; run against each store (SQLite in AttuneStoreTests, PostgreSQL
/// in AttunePostgresTests). Each check takes a fresh, empty store.
package enum ProfileStoreConformance: ConformanceSuite {
    package typealias Store = EventStore & WorkspaceStore & IdentityStore & ProfileStore

    package static let other = WorkspaceID(unchecked: "other")
    static let user = UserID(unchecked: "u1")

    /// The checks by name, for `@Test(arguments:)`.
    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("profilesFollowAppendsInTheSameTransaction", { try await profilesFollowAppendsInTheSameTransaction($0) }),
        ("anonymousActivityJoinsTheProfileWhenLinked", { try await anonymousActivityJoinsTheProfileWhenLinked($0) }),
        ("eachEventBatchIsOneVersionListingExactlyTheChangedFields", {
            try await eachEventBatchIsOneVersionListingExactlyTheChangedFields($0)
        }),
        ("aBatchNamesItsFirstFiveEventsAndCountsThemAll", { try await aBatchNamesItsFirstFiveEventsAndCountsThemAll($0) }),
        ("aBatchInterleavingUsersOutOfKeyOrderGivesEachUserOneVersionOfItsOwnEvents", {
            try await aBatchInterleavingUsersOutOfKeyOrderGivesEachUserOneVersionOfItsOwnEvents($0)
        }),
        ("identifyLinkRebuildAndPatchEachMakeOneVersion", { try await identifyLinkRebuildAndPatchEachMakeOneVersion($0) }),
        ("declaredAttributesOfAUserWithoutAProfileMakeNoVersion", {
            try await declaredAttributesOfAUserWithoutAProfileMakeNoVersion($0)
        }),
        ("rebuildsNamingAUserTwiceMakeTwoVersions", { try await rebuildsNamingAUserTwiceMakeTwoVersions($0) }),
        ("profilesPageInByteOrder", { try await profilesPageInByteOrder($0) }),
        ("concurrentAppendsToTheSameUsersLoseNoUpdate", { try await concurrentProfileUpdates(through: [$0]) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func detail(_ version: ProfileVersion) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(version.detail.utf8)) as? [String: Any])
    }

    static func changed(_ version: ProfileVersion) throws -> [String: Any] {
        try #require(try detail(version)["changed"] as? [String: Any])
    }

    static func profilesFollowAppendsInTheSameTransaction(_ store: some Store) async throws {
        try await prepare(store)
        var purchase = Fixtures.event(2, user: "u1", item: "i1", at: 2_000)
        purchase.type = .purchase
        purchase.value = 30
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, user: "u1", item: "i1", at: 1_000), purchase])])
        // A replayed event changes nothing; an anonymous-only event has no user profile.
        _ = try await store.append([EventBatch(workspace: .default, events: [purchase, Fixtures.event(3, user: nil, anonymous: "a")])])
        let profile = try #require(try await store.profile(of: UserID(unchecked: "u1"), in: .default))
        #expect(profile.version == 1)
        #expect(profile.traits.eventCount == 2)
        #expect(profile.traits.purchaseCount == 1)
        #expect(profile.traits.monetary == 30)
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: other) == nil)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(4, user: "u1", at: 3_000)])])
        #expect(try await store.profile(of: UserID(unchecked: "u1"), in: .default)?.version == 2)

        var replaced = ProfileTraits()
        replaced.apply(type: "view", sessionID: nil, value: nil, timestamp: 1)
        try await store.replaceProfiles([(UserID(unchecked: "u1"), replaced)], in: .default, at: Fixtures.now)
        let listed = try await store.profiles(in: .default, after: nil, limit: 10)
        #expect(listed.map(\.user.rawValue) == ["u1"])
        #expect(listed.first?.profile.traits == replaced)
        #expect(listed.first?.profile.version == 3)
        #expect(listed.first?.profile.updatedAt == Fixtures.now)
        await #expect(throws: AttuneError.self) {
            try await store.replaceProfiles([(user, replaced)], in: WorkspaceID(unchecked: "ghost"), at: Fixtures.now)
        }
    }

    static func anonymousActivityJoinsTheProfileWhenLinked(_ store: some Store) async throws {
        try await prepare(store)
        let user = UserID(unchecked: "u1")
        // Two visits before sign-in, then identify, then one more anonymous event and one of
        // another user on the same device.
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, user: nil, anonymous: "a1", at: 1_000), Fixtures.event(2, user: nil, anonymous: "a1", at: 2_000),
        ])])
        #expect(try await store.profile(of: user, in: .default) == nil)
        try await store.record(Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        #expect(try await store.profile(of: user, in: .default)?.traits.eventCount == 2)
        #expect(try await store.users(linkedTo: AnonymousID(unchecked: "a1"), in: .default) == [user])
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(3, user: nil, anonymous: "a1", at: 3_000), Fixtures.event(4, user: "u2", anonymous: "a1", at: 4_000),
        ])])
        let profile = try #require(try await store.profile(of: user, in: .default))
        #expect(profile.traits.eventCount == 3)
        #expect(profile.traits.lastSeen == Fixtures.now.millisecondsSinceEpoch + 3_000)
        #expect(try await store.profile(of: UserID(unchecked: "u2"), in: .default)?.traits.eventCount == 1)
        // Linking again changes nothing.
        let version = profile.version
        try await store.record(Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        #expect(try await store.profile(of: user, in: .default)?.version == version)
        // A visitor linked to two users counts for both.
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a1"), userID: UserID(unchecked: "u0"), traits: nil, timestamp: Fixtures.now),
            in: .default)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(5, user: nil, anonymous: "a1", at: 5_000)])])
        #expect(try await store.users(linkedTo: AnonymousID(unchecked: "a1"), in: .default).map(\.rawValue) == ["u0", "u1"])
        #expect(try await store.profile(of: user, in: .default)?.traits.eventCount == 4)
        #expect(try await store.profile(of: UserID(unchecked: "u0"), in: .default)?.traits.eventCount == 4)
    }

    static func eachEventBatchIsOneVersionListingExactlyTheChangedFields(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(1, at: 1_000), Fixtures.event(2, at: 2_000),
        ])])
        var purchase = Fixtures.event(3, type: .purchase, at: 2_500)
        purchase.value = 30
        _ = try await store.append([EventBatch(workspace: .default, events: [purchase])])
        // A replayed event saves nothing.
        _ = try await store.append([EventBatch(workspace: .default, events: [purchase])])

        let history = try await store.profileHistory(of: user, in: .default, before: nil, limit: 10)
        #expect(history.map(\.version) == [2, 1])
        #expect(history.map(\.cause) == [.event, .event])
        #expect(try await store.profile(of: user, in: .default)?.version == 2)

        let first = try detail(history[1])
        #expect(first["events"] as? Int == 2)
        #expect(first["eventIds"] as? [String] == [Fixtures.eventID(1).uuidString, Fixtures.eventID(2).uuidString])
        let start = Fixtures.now.millisecondsSinceEpoch
        let firstChanges = try changed(history[1])
        #expect(Set(firstChanges.keys) == ["events", "sessions", "firstSeen", "lastSeen", "countsByType"])
        #expect(firstChanges["events"] as? [Int] == [0, 2])
        #expect(firstChanges["firstSeen"] as? [Int64] == [0, start + 1_000])
        #expect(firstChanges["countsByType"] as? [String: [Int]] == ["view": [0, 2]])

        // The purchase changes the count, the money and the last time; not the first time or sessions.
        let second = try changed(history[0])
        #expect(Set(second.keys) == ["events", "purchases", "monetary", "lastSeen", "lastPurchase", "countsByType"])
        #expect(second["events"] as? [Int] == [2, 3])
        #expect(second["monetary"] as? [Int] == [0, 30])
        #expect((second["lastPurchase"] as? [Any])?.count == 2)
        #expect(second["countsByType"] as? [String: [Int]] == ["purchase": [0, 1]])
        #expect(try detail(history[0])["eventIds"] as? [String] == [Fixtures.eventID(3).uuidString])
        // The version's time is the batch's receipt.
        #expect(history.map(\.at) == [Fixtures.now, Fixtures.now])
        #expect(try await store.profileHistory(of: user, in: other, before: nil, limit: 10).isEmpty)
    }

    static func aBatchNamesItsFirstFiveEventsAndCountsThemAll(_ store: some Store) async throws {
        try await prepare(store)
        let events = (1...8).map { Fixtures.event(UInt64($0), at: Int64($0) * 1_000) }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let only = try #require(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).first)
        #expect(try detail(only)["events"] as? Int == 8)
        #expect(try detail(only)["eventIds"] as? [String] == (1...5).map { Fixtures.eventID(UInt64($0)).uuidString })
    }

    /// Users are saved in key order within a batch; each still gets exactly its own events, in log order.
    static func aBatchInterleavingUsersOutOfKeyOrderGivesEachUserOneVersionOfItsOwnEvents(_ store: some Store) async throws {
        try await prepare(store)
        let owners = ["u9", "u10", "u1", "u9", "é", "u10", "u9"]
        let events = owners.enumerated().map { Fixtures.event(UInt64($0 + 1), user: $1, at: Int64($0 + 1) * 1_000) }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        for owner in Set(owners) {
            let positions = owners.indices.filter { owners[$0] == owner }
            let history = try await store.profileHistory(of: UserID(unchecked: owner), in: .default, before: nil, limit: 10)
            #expect(history.map(\.version) == [1])
            let only = try #require(history.first)
            #expect(try detail(only)["events"] as? Int == positions.count)
            #expect(try detail(only)["eventIds"] as? [String] == positions.map { Fixtures.eventID(UInt64($0 + 1)).uuidString })
            let profile = try #require(try await store.profile(of: UserID(unchecked: owner), in: .default))
            let last = try #require(positions.last)
            #expect(profile.traits.eventCount == positions.count)
            #expect(profile.traits.firstSeen == Fixtures.now.millisecondsSinceEpoch + Int64(positions[0] + 1) * 1_000)
            #expect(profile.traits.lastSeen == Fixtures.now.millisecondsSinceEpoch + Int64(last + 1) * 1_000)
        }
    }

    static func identifyLinkRebuildAndPatchEachMakeOneVersion(_ store: some Store) async throws {
        try await prepare(store)
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1, at: 1_000)])])
        _ = try await store.append([EventBatch(workspace: .default, events: [
            Fixtures.event(2, user: nil, anonymous: "a\"1", at: 500),
        ])])
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a\"1"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        // Linking again is no new link: no version.
        try await store.record(
            Identify(anonymousID: AnonymousID(unchecked: "a\"1"), userID: user, traits: nil, timestamp: Fixtures.now), in: .default)
        try await store.record(
            Identify(anonymousID: nil, userID: user, traits: #"{"plan":"pro","age":30}"#, timestamp: Fixtures.now), in: .default)
        // Declaring the same again is no change: no version.
        try await store.record(
            Identify(anonymousID: nil, userID: user, traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now), in: .default)
        var rebuilt = ProfileTraits()
        rebuilt.apply(type: "view", sessionID: nil, value: nil, timestamp: 1)
        try await store.replaceProfiles([(user, rebuilt)], in: .default, at: Fixtures.now)

        let history = try await store.profileHistory(of: user, in: .default, before: nil, limit: 10)
        #expect(history.map(\.version) == [4, 3, 2, 1])
        #expect(history.map(\.cause) == [.rebuild, .patch, .identify, .event])
        #expect(try await store.profile(of: user, in: .default)?.version == 4)

        let identify = try detail(history[2])
        #expect(identify["anonymousId"] as? String == "a\"1")
        #expect(Set(try changed(history[2]).keys) == ["events", "firstSeen", "countsByType"])
        #expect(try changed(history[2])["countsByType"] as? [String: [Int]] == ["view": [1, 2]])
        #expect(history[1].detail == #"{"declared":["age","plan"]}"#)
        #expect(try changed(history[0])["events"] as? [Int] == [2, 1])

        // Pages continue below the last version shown.
        let page = try await store.profileHistory(of: user, in: .default, before: 3, limit: 1)
        #expect(page.map(\.version) == [2])
        #expect(try await store.profileHistory(of: UserID(unchecked: "nobody"), in: .default, before: nil, limit: 10).isEmpty)
    }

    static func declaredAttributesOfAUserWithoutAProfileMakeNoVersion(_ store: some Store) async throws {
        try await prepare(store)
        try await store.record(
            Identify(anonymousID: nil, userID: user, traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now), in: .default)
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).isEmpty)
        #expect(try await store.profile(of: user, in: .default) == nil)
        // The first event starts the history at version 1.
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).map(\.version) == [1])
    }

    static func rebuildsNamingAUserTwiceMakeTwoVersions(_ store: some Store) async throws {
        try await prepare(store)
        var first = ProfileTraits()
        first.apply(type: "view", sessionID: nil, value: nil, timestamp: 1)
        var second = first
        second.apply(type: "purchase", sessionID: nil, value: 2.5, timestamp: 2)
        try await store.replaceProfiles(
            [(user, first), (UserID(unchecked: "u2"), first), (user, second)], in: .default, at: Fixtures.now)
        #expect(try await store.profile(of: user, in: .default)?.traits == second)
        let history = try await store.profileHistory(of: user, in: .default, before: nil, limit: 10)
        #expect(history.map(\.version) == [2, 1])
        #expect(try changed(history[0])["events"] as? [Int] == [1, 2])
        #expect(try await store.profile(of: UserID(unchecked: "u2"), in: .default)?.version == 1)
    }

    static func profilesPageInByteOrder(_ store: some Store) async throws {
        try await prepare(store)
        let users = ["b", "B", "a", "é", "a1", "Z", "_"]
        _ = try await store.append([EventBatch(workspace: .default, events: users.enumerated().map {
            Fixtures.event(UInt64($0 + 1), user: $1)
        })])
        var seen: [String] = []
        var cursor: UserID?
        while true {
            let page = try await store.profiles(in: .default, after: cursor, limit: 3)
            seen += page.map(\.user.rawValue)
            guard page.count == 3 else { break }
            cursor = page.last?.user
        }
        #expect(seen == users.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(try await store.profiles(in: other, after: nil, limit: 10).isEmpty)
        #expect(try await store.profiles(in: WorkspaceID(unchecked: "ghost"), after: nil, limit: 10).isEmpty)
    }

    /// Writers append purchases for the same five users at once, through `stores` in turn (one
    /// store, or several sharing a database as replicas do); every event id is also sent by a
    /// second writer, so duplicates race too. No update may be lost: each profile counts every
    /// stored event of its user exactly once, with the exact sum of their values (quarters, exact
    /// in binary), and its history has one version per save whose event counts add up to it.
    package static func concurrentProfileUpdates(through stores: [any Store]) async throws {
        let first = try #require(stores.first)
        try await prepare(first)
        let writers = 4
        let batches = 8
        let perBatch = 25
        func events(_ writer: Int, _ batch: Int) -> [Event] {
            (0..<perBatch).map { i in
                var event = Fixtures.event(
                    UInt64(writer * 10_000 + batch * 100 + i), type: .purchase, user: "u\(i % 5)", at: Int64(batch * 100 + i))
                event.value = Double(i % 4) + 0.25
                return event
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let store = stores[writer % stores.count]
                group.addTask {
                    for batch in 0..<batches {
                        _ = try await store.append([EventBatch(workspace: .default, events: events(writer, batch))])
                        // The next writer's batch again: its ids race with that writer's own send.
                        _ = try await store.append([
                            EventBatch(workspace: .default, events: events((writer + 1) % writers, batch)),
                        ])
                    }
                }
            }
            try await group.waitForAll()
        }
        let all = (0..<writers).flatMap { w in (0..<batches).flatMap { b in events(w, b) } }
        #expect(try await first.stats(of: .default).events == all.count)
        for n in 0..<5 {
            let user = UserID(unchecked: "u\(n)")
            let own = all.filter { $0.userID == user }
            for store in stores {
                let profile = try #require(try await store.profile(of: user, in: .default))
                #expect(profile.traits.eventCount == own.count)
                #expect(profile.traits.purchaseCount == own.count)
                #expect(profile.traits.monetary == own.compactMap(\.value).reduce(0, +))
                let history = try await store.profileHistory(of: user, in: .default, before: nil, limit: 1_000)
                #expect(history.map(\.version) == Array((1...profile.version).reversed()))
                let counted = try history.map { try #require(try detail($0)["events"] as? Int) }.reduce(0, +)
                #expect(counted == own.count)
            }
        }
    }
}
