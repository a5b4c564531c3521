import AttuneCore
import AttuneML
import AttuneStore

/// `attune profiles impute`: estimates chosen declared attributes for users who have not declared
/// them, from the declared values of the users whose behaviour is most alike (``KNNImputer``),
/// and stores the estimates apart from declared traits (``ImputationStore``).
///
/// Behaviour is each user's implicit-ALS vector fitted on the workspace's interactions (see
/// ``ImputationFeatures/Kind/factors`` for why factors rather than raw item vectors). Users
/// without personalization consent, and erased users, neither receive nor lend an estimate.
package struct ProfileImputation: Sendable {
    package struct Report: Sendable, Equatable {
        package struct Attribute: Sendable, Equatable {
            package var name: String
            /// Users with behaviour who declare the attribute (the donors).
            package var declared: Int
            /// Users who got an estimate.
            package var imputed: Int
            /// Users without it who resemble no donor, left without an estimate.
            package var unmatched: Int
        }

        package var users: Int
        package var attributes: [Attribute]
    }

    let store: any AttuneStorage
    let clock: any WallClock

    package init(store: any AttuneStorage, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// - Parameters:
    ///   - attributes: declared attribute names, at least one, no duplicates.
    ///   - k: neighbours per estimate, ≥ 1.
    /// - Throws: `AttuneError` naming `attributes` or `k` for bad input (an attribute nobody with
    ///   behaviour declares, an identifying or pseudonymised attribute, k ≤ 0), before anything is
    ///   written.
    package func run(
        workspace: WorkspaceID, attributes: [String], k: Int, seed: UInt64 = 42, threads: Int = 1
    ) async throws -> Report {
        guard k >= 1 else { throw AttuneError.invalid("k", "must be at least 1") }
        guard !attributes.isEmpty else { throw AttuneError.invalid("attributes", "name at least one attribute") }
        guard Set(attributes).count == attributes.count else { throw AttuneError.invalid("attributes", "an attribute is named twice") }
        for name in attributes where AttributeImputation.refused.contains(name) {
            throw AttuneError.invalid("attributes", "\"\(name)\" identifies a person and is never imputed")
        }
        // Erasures recorded from here on are checked again at the write, by time: the log below
        // may already hold the behaviour of someone erased (and recreated) while the run computes.
        let started = clock.now()
        let erased = try await store.erasedUserDigests(in: workspace)
        let consent = try await store.consentSnapshot(in: workspace)
        let log = try await InteractionLog.load(from: store, workspace: workspace, erased: erased, consent: consent)
        var known = [[JSONValue?]](repeating: [JSONValue?](repeating: nil, count: log.users.count), count: attributes.count)
        var cursor: UserID?
        let parser = JSONParser()
        while true {
            let page = try await store.traits(in: workspace, after: cursor, limit: 5_000)
            for (user, text) in page {
                guard let row = log.users.index(of: user.rawValue), let members = try? parser.parse(text).objectMembers else { continue }
                for (position, name) in attributes.enumerated() {
                    guard let value = members.first(where: { $0.key == name })?.value, value != .null else { continue }
                    if case .object = value {
                        throw AttuneError.invalid("attributes", "\"\(name)\" holds protected personal data and is never imputed")
                    }
                    known[position][Int(row)] = value
                }
            }
            guard let last = page.last, page.count == 5_000 else { break }
            cursor = last.user
        }
        for (position, name) in attributes.enumerated() where !known[position].contains(where: { $0 != nil }) {
            throw AttuneError.invalid("attributes", "no user with behaviour declares \"\(name)\"")
        }
        let features = try ImputationFeatures.make(.factors, from: log, seed: seed, threads: threads)
        let everyone = (0..<Int32(log.users.count)).map { $0 }
        var report = Report(users: log.users.count, attributes: [])
        var results: [(String, [(user: UserID, value: String, confidence: Double)])] = []
        for (position, name) in attributes.enumerated() {
            let estimates = try AttributeImputation.impute(
                name, features: features, known: known[position], queries: everyone, k: k, threads: threads)
            let declared = known[position].filter { $0 != nil }.count
            results.append((name, estimates.sorted { $0.key < $1.key }.map { row, estimate in
                (UserID(unchecked: log.users.key(at: row) ?? ""), estimate.value.serialized(), estimate.confidence)
            }))
            report.attributes.append(.init(
                name: name, declared: declared, imputed: estimates.count, unmatched: log.users.count - declared - estimates.count))
        }
        let now = clock.now()
        for (position, (name, values)) in results.enumerated() {
            // Users erased while the estimates were computed are left out by the store.
            report.attributes[position].imputed = try await store.replaceImputations(
                of: name, with: values, in: workspace, at: now,
                erasedSince: (time: started, digest: { UserDigest.of($0) }))
        }
        return report
    }
}
