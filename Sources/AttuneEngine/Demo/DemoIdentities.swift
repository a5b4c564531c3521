import AttuneCore
import AttuneStore

/// Three small sources that know some of the demo shop's customers under their own ids, with
/// their e-mail addresses written differently (`"  Ann@Example.com"`, `"ann@example.com "`):
/// a CRM, a newsletter tool and a support desk. Importing them merges each person into one profile.
package struct DemoIdentities: Sendable {
    /// One record of one source: its id for the person, the identifiers and declared traits.
    package struct Record: Sendable {
        package var source: String
        package var user: UserID
        package var identifiers: [PersonIdentifier]
        package var traits: String
    }

    /// The most trusted source first: the CRM's attributes win over the others'.
    package static let sourcePriority = ["crm", "support", "newsletter"]
    package static let people = ["ann", "bruno", "chen"]
    static let cities = [("York", "Leeds"), ("Lyon", "Paris"), ("Graz", "Wien")]

    package var records: [Record] = []

    /// - Parameter shopUsers: ids of the shop's own users; the first few get e-mail addresses.
    package init(shopUsers: [UserID]) throws {
        for (index, name) in Self.people.enumerated() where index < shopUsers.count {
            let (crmCity, supportCity) = Self.cities[index]
            let shop = shopUsers[index]
            records.append(Record(
                source: "shop", user: shop, identifiers: [try .email("\(name)@example.com")], traits: #"{"newsletter":false}"#))
            records.append(Record(
                source: "crm", user: UserID(unchecked: "crm-\(1_000 + index)"),
                identifiers: [try .email("  \(name.prefix(1).uppercased() + name.dropFirst())@Example.com"), try .phone("+44 20 7946 09\(index)\(index)")],
                traits: #"{"city":"\#(crmCity)","tier":"gold"}"#))
            records.append(Record(
                source: "newsletter", user: UserID(unchecked: "nl-\(name)"),
                identifiers: [try .email("\(name.uppercased())@EXAMPLE.COM ")], traits: #"{"newsletter":true}"#))
            records.append(Record(
                source: "support", user: UserID(unchecked: "ticket-user-\(index + 7)"),
                identifiers: [try .phone("0044 20 7946 09\(index)\(index)")], traits: #"{"city":"\#(supportCity)"}"#))
        }
    }

    /// Stores the records' traits and identifiers, source by source.
    /// - Returns: how many merges were made (0 when run again).
    package func load(
        into store: any IdentityStore & IdentityResolutionStore, identity: IdentityResolution, at time: Timestamp
    ) async throws -> Int {
        try await store.setSourcePriority(Self.sourcePriority, in: .default)
        var merges = 0
        for source in ["shop", "crm", "newsletter", "support"] {
            let batch = records.filter { $0.source == source }
            try await store.record(
                batch.map { Identify(anonymousID: nil, userID: $0.user, traits: $0.traits, timestamp: time, source: source) },
                in: .default)
            let outcomes = try await identity.attach(
                batch.map { ($0.user, $0.identifiers) }, source: source, in: .default, actor: AuditLog.commandLineActor)
            merges += outcomes.reduce(0) { $0 + $1.merges.count }
        }
        return merges
    }
}
