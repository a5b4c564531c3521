import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport

/// An in-memory store with identity resolution under a fixed clock, and short helpers.
struct IdentityFixture {
    let clock = FixedClock()
    let store: SQLiteStore
    let identity: IdentityResolution
    private var next: UInt64 = 0

    init() async throws {
        store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        identity = IdentityResolution(store: store, clock: clock, keys: PIIKeys.generate())
    }

    static func id(_ raw: String) -> UserID { UserID(unchecked: raw) }

    /// `count` view events for `user` (or the visitor `anonymous`), at distinct times.
    mutating func events(_ user: String?, anonymous: String? = nil, count: Int, item: String = "i1") async throws {
        var batch: [Event] = []
        for _ in 0..<count {
            next += 1
            var event = Fixtures.event(700_000 + next, user: user, anonymous: anonymous, item: item, at: Int64(next) * 60_000)
            event.receivedAt = clock.now()
            batch.append(event)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: batch)])
    }

    func attach(_ user: String, email: String? = nil, phone: String? = nil, source: String = "test") async throws
        -> MergeOutcome
    {
        var identifiers: [PersonIdentifier] = []
        if let email { identifiers.append(try PersonIdentifier.email(email)) }
        if let phone { identifiers.append(try PersonIdentifier.phone(phone)) }
        let outcome = try await identity.attach([(Self.id(user), identifiers)], source: source, in: .default, actor: "test")
        clock.advance(milliseconds: 1_000)
        return outcome[0]
    }

    func declare(_ user: String, _ traits: String, source: String) async throws {
        try await store.record(
            Identify(anonymousID: nil, userID: Self.id(user), traits: traits, timestamp: clock.now(), source: source), in: .default)
        clock.advance(milliseconds: 1_000)
    }

    func eventCount(_ user: String) async throws -> Int? {
        try await store.profile(of: Self.id(user), in: .default)?.traits.eventCount
    }

    func canonical(_ user: String) async throws -> String {
        try await store.canonicalUser(of: Self.id(user), in: .default).rawValue
    }

    func causes(_ user: String) async throws -> [ProfileVersion.Cause] {
        try await store.profileHistory(of: Self.id(user), in: .default, before: nil, limit: 100).map(\.cause)
    }

    /// Everything the tests compare to tell "nothing changed".
    func state(_ users: [String]) async throws -> String {
        var out = ""
        for user in users {
            let id = Self.id(user)
            out += "\(user) -> \(try await canonical(user)) events=\(String(describing: try await eventCount(user))) "
            out += "traits=\(String(describing: try await store.traits(of: id, in: .default))) "
            out += "versions=\(try await causes(user).count) merges=\(try await store.merges(involving: [id], in: .default).count)\n"
        }
        out += "audit=\(try await store.auditRecords(after: 0, limit: 10_000).count)"
        return out
    }
}
