import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation

/// A data directory with two communities of users and one person with every kind of data held
/// about them: events of their own and as a linked visitor (one carrying their e-mail), declared
/// traits with the e-mail, a segment, experiment exposures, a customer text.
struct PersonFixture {
    /// Distinctive strings that cannot occur in the files by chance.
    static let user = UserID(unchecked: "zq-person-7731")
    static let visitor = AnonymousID(unchecked: "zq-visitor-7731")
    static let email = "zq.person.7731@example.org"
    static let segment = SegmentID(unchecked: "seg_active")
    /// A phrase only the person's stored text holds.
    static let textPhrase = "zq-words-7731"

    let directory: TemporaryDirectory
    let store: SQLiteStore
    let files: ModelFiles

    init() async throws {
        directory = try TemporaryDirectory()
        store = try DataDirectory.openStore(directory.url.path)
        files = ModelFiles(dataDirectory: directory.url.path)
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.createSegment(
            Segment(id: Self.segment, name: "active", kind: .rule, rule: "traits.events > 0", createdAt: Fixtures.now,
                    updatedAt: Fixtures.now),
            in: .default)
        var events: [Event] = []
        var n: UInt64 = 0
        for community in ["a", "b"] {
            for u in 0..<20 {
                for k in 0..<8 {
                    n += 1
                    events.append(Fixtures.event(
                        n, user: "\(community)\(u)", item: "\(community.uppercased())\((u + k) % 20)", at: Int64(n) * 1_000))
                }
            }
        }
        n += 1
        events.append(Fixtures.event(n, user: nil, anonymous: Self.visitor.rawValue, item: "A3", at: Int64(n) * 1_000))
        for k in 0..<6 {
            n += 1
            var event = Fixtures.event(n, user: Self.user.rawValue, item: "A\(k)", at: Int64(n) * 1_000)
            if k == 0 { event.properties = #"{"contact":"\#(Self.email)"}"# }
            events.append(event)
        }
        _ = try await store.append([EventBatch(workspace: .default, events: events)])
        try await store.record(
            Identify(anonymousID: Self.visitor, userID: Self.user, traits: #"{"email":"\#(Self.email)","plan":"pro"}"#,
                     timestamp: Fixtures.now),
            in: .default)
        try await store.recordExposures([
            Exposure(experiment: ExperimentKey(unchecked: "exp1"), unit: Self.user.rawValue, variant: 1, time: Fixtures.now),
            Exposure(experiment: ExperimentKey(unchecked: "exp2"), unit: Self.visitor.rawValue, variant: 0, time: Fixtures.now),
        ], in: .default)
        try await store.appendText(
            CustomerText(
                id: TextID(unchecked: "zq-text-7731"), user: Self.user, source: .review,
                body: "\(Self.textPhrase): the A1 broke", time: Fixtures.now, item: ItemID(unchecked: "A1"),
                sentiment: -0.6, sentimentLabel: "negative",
                mentions: [TextMention(target: .item(ItemID(unchecked: "A1")), sentiment: -0.6)], createdAt: Fixtures.now),
            in: .default)
    }

    /// Trains an ALS model (it keeps a vector per user) and saves it.
    @discardableResult
    func train() async throws -> ModelSnapshot {
        var tuner = ModelTuner()
        tuner.threads = 1
        tuner.timeBudget = .zero
        return try await ModelTraining(store: store, files: files, clock: FixedClock()).run(
            workspace: .default, family: .als, tuner: tuner)
    }

    /// The files under the data directory (the database, its -wal and -shm, models) that contain
    /// `text` byte for byte.
    func filesContaining(_ text: String) throws -> [String] {
        let needle = Array(text.utf8)
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory.url, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            if Self.contains(bytes, needle) { found.append(url.lastPathComponent) }
        }
        return found
    }

    /// The names of every file under the data directory.
    func fileNames() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.url.path)
        return (enumerator?.allObjects as? [String]) ?? []
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
