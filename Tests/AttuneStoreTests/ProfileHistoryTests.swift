import AttuneCore
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Every profile save writes one history row with the next version, its cause and what changed.
struct ProfileHistoryTests {
    let user = UserID(unchecked: "u1")

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        return store
    }

    func detail(_ version: ProfileVersion) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(version.detail.utf8)) as? [String: Any])
    }

    func changed(_ version: ProfileVersion) throws -> [String: Any] {
        try #require(try detail(version)["changed"] as? [String: Any])
    }

    @Test func eachEventBatchIsOneVersionListingExactlyTheChangedFields() async throws {
        let store = try await store()
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
    }

    @Test func aBatchNamesItsFirstFiveEventsAndCountsThemAll() async throws {
        let store = try await store()
        let events = (1...8).map { Fixtures.event(UInt64($0), at: Int64($0) * 1_000) }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        let only = try #require(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).first)
        #expect(try detail(only)["events"] as? Int == 8)
        #expect(try detail(only)["eventIds"] as? [String] == (1...5).map { Fixtures.eventID(UInt64($0)).uuidString })
    }

    /// Users are saved in key order within a batch; each still gets exactly its own events, in log order.
    @Test func aBatchInterleavingUsersOutOfKeyOrderGivesEachUserOneVersionOfItsOwnEvents() async throws {
        let store = try await store()
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

    @Test func identifyLinkRebuildAndPatchEachMakeOneVersion() async throws {
        let store = try await store()
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
        #expect(try detail(history[1])["declared"] as? [String] == ["age", "plan"])
        #expect(try changed(history[0])["events"] as? [Int] == [2, 1])

        // Pages continue below the last version shown.
        let page = try await store.profileHistory(of: user, in: .default, before: 3, limit: 1)
        #expect(page.map(\.version) == [2])
        #expect(try await store.profileHistory(of: UserID(unchecked: "nobody"), in: .default, before: nil, limit: 10).isEmpty)
    }

    @Test func declaredAttributesOfAUserWithoutAProfileMakeNoVersion() async throws {
        let store = try await store()
        try await store.record(
            Identify(anonymousID: nil, userID: user, traits: #"{"plan":"pro"}"#, timestamp: Fixtures.now), in: .default)
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).isEmpty)
        // The first event starts the history at version 1.
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).map(\.version) == [1])
    }

    @Test func erasureDeletesTheHistory() async throws {
        let store = try await store()
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(1)])])
        _ = try await store.append([EventBatch(workspace: .default, events: [Fixtures.event(2, at: 10)])])
        let erased = try #require(try await store.erasePerson(user, digest: { _ in [1, 2, 3] }, in: .default, at: Fixtures.now))
        #expect(erased.counts.profileVersions == 2)
        #expect(try await store.profileHistory(of: user, in: .default, before: nil, limit: 10).isEmpty)
    }
}
