import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation

/// ``PersonFixture``'s person merged with two more ids of theirs, each holding rows of every kind
/// an erasure must reach: a CRM contact (the same e-mail written differently, and a phone number)
/// and a shop account (that phone number), so that the three ids are one person transitively.
struct MergedPersonFixture {
    static let crm = UserID(unchecked: "zq-crm-contact-7731")
    static let shop = UserID(unchecked: "zq-shop-buyer-7731")
    static let phone = "+447700900731"
    static let shopPhrase = "zq-shop-words-7731"
    static let members = [PersonFixture.user, crm, shop]

    let base: PersonFixture
    /// The id the other two were merged into (by the store's rule, the one known first).
    let canonical: UserID
    var store: SQLiteStore { base.store }

    init() async throws {
        base = try await PersonFixture()
        let store = base.store
        let identity = IdentityResolution(store: store, clock: FixedClock(), keys: PIIKeys.generate())
        var n: UInt64 = 990_000
        for (index, member) in [Self.crm, Self.shop].enumerated() {
            let source = index == 0 ? "crm" : "shop"
            try await store.record(
                Identify(
                    anonymousID: nil, userID: member,
                    traits: #"{"email":"\#(PersonFixture.email)","phone":"\#(Self.phone)","tier":"gold"}"#,
                    timestamp: Fixtures.now.adding(milliseconds: 1_000), source: source),
                in: .default)
            var events: [Event] = []
            for k in 0..<3 {
                n += 1
                events.append(Fixtures.event(n, user: member.rawValue, item: "B\(k)", at: Int64(n)))
            }
            _ = try await store.append([EventBatch(workspace: .default, events: events)])
            _ = try await store.recordConsent(
                [(member, ConsentUpdate(choices: ConsentChoices(analytics: true, personalization: true, marketing: false)))],
                in: .default, at: Fixtures.now)
            try await store.recordExposures(
                [Exposure(experiment: ExperimentKey(unchecked: "exp1"), unit: member.rawValue, variant: 0, time: Fixtures.now)],
                in: .default)
            try await store.appendText(
                CustomerText(
                    id: TextID(unchecked: "zq-text-\(source)-7731"), user: member, source: .review,
                    body: "\(Self.shopPhrase) from \(source)", time: Fixtures.now, item: nil, sentiment: nil,
                    sentimentLabel: nil, mentions: [], createdAt: Fixtures.now),
                in: .default)
        }
        try await store.replaceImputations(
            of: "age", with: Self.members.map { ($0, "41", 0.5) }, in: .default, at: Fixtures.now)
        _ = try await identity.attach(
            [(PersonFixture.user, [try PersonIdentifier.email(PersonFixture.email)]),
             (Self.crm, [try PersonIdentifier.email("  " + PersonFixture.email.uppercased()), try PersonIdentifier.phone(Self.phone)]),
             (Self.shop, [try PersonIdentifier.phone("+44 7700 900731")])],
            source: "crm", in: .default, actor: "key_test")
        canonical = try await store.canonicalUser(of: Self.shop, in: .default)
        // Imputed after the merge too, so that the canonical profile holds an estimate.
        try await store.replaceImputations(
            of: "gender", with: Self.members.map { ($0, #""F""#, 0.5) }, in: .default, at: Fixtures.now)
    }

    /// Every string that names the person or one of their ids.
    static var traces: [String] {
        members.map(\.rawValue) + [PersonFixture.visitor.rawValue, PersonFixture.email, phone, PersonFixture.textPhrase, shopPhrase]
    }
}
