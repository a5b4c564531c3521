import AttuneCore
import AttuneML
import AttuneStore

/// Attributes of users and items as categorical feature keys, for the factorisation machine:
/// `gender=F`, `age=q2` (a quintile band of a numeric trait), `category=Comedy`, `price=q4`.
///
/// A string value becomes a feature only when at least `minimumSupport` entities share it (a zip
/// code held by one user teaches nothing and costs a factor vector); numbers are banded into
/// quintiles of the population so that 29 and 30 years share a feature. At most
/// `maximumAttributes` attribute names are used per side, the most widely held first.
package struct SideFeatures: Sendable {
    /// Per user index, its feature keys.
    package var users: [[String]]
    /// Per item index, its feature keys.
    package var items: [[String]]

    package init(users: [[String]] = [], items: [[String]] = []) {
        self.users = users
        self.items = items
    }

    package var isEmpty: Bool { users.allSatisfy(\.isEmpty) && items.allSatisfy(\.isEmpty) }

    static let maximumAttributes = 12
    static let bands = 5

    /// Keys per entity from each entity's `(name, value)` attributes.
    package static func featurize(_ attributes: [[(name: String, value: JSONValue)]], minimumSupport: Int) -> [[String]] {
        var holders: [String: Int] = [:]
        for entity in attributes {
            for name in Set(entity.map(\.name)) { holders[name, default: 0] += 1 }
        }
        let names = Set(
            holders.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(maximumAttributes).map(\.key))
        var numbers: [String: [Double]] = [:]
        var strings: [String: Int] = [:]
        for entity in attributes {
            for (name, value) in entity where names.contains(name) {
                switch value {
                case .number(let n): numbers[name, default: []].append(n)
                default:
                    for key in keys(name, value) { strings[key, default: 0] += 1 }
                }
            }
        }
        let cuts = numbers.mapValues(quantileCuts)
        return attributes.map { entity in
            var out: [String] = []
            for (name, value) in entity where names.contains(name) {
                if case .number(let n) = value, let c = cuts[name] {
                    out.append("\(name)=q\(c.firstIndex { n < $0 } ?? c.count)")
                } else {
                    out.append(contentsOf: keys(name, value).filter { strings[$0, default: 0] >= minimumSupport })
                }
            }
            return Array(Set(out)).sorted()
        }
    }

    /// A string, a boolean, or each string of a list (categories, tags) is one key.
    private static func keys(_ name: String, _ value: JSONValue) -> [String] {
        switch value {
        case .string(let s) where !s.isEmpty && s.utf8.count <= 100: ["\(name)=\(s)"]
        case .bool(let b): ["\(name)=\(b)"]
        case .array(let values): values.prefix(20).flatMap { v in v.stringValue.map { keys(name, .string($0)) } ?? [] }
        default: []
        }
    }

    /// Interior quintile boundaries (distinct values only, so a trait with two values makes two bands).
    private static func quantileCuts(_ values: [Double]) -> [Double] {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return [] }
        var cuts: [Double] = []
        for b in 1..<bands {
            let v = sorted[min(sorted.count - 1, b * sorted.count / bands)]
            if v > sorted[0], cuts.last.map({ v > $0 }) ?? true { cuts.append(v) }
        }
        return cuts
    }

    /// Users' declared traits and items' categories, tags and properties, from the store.
    package static func load(
        for log: InteractionLog, from store: any CatalogStore & IdentityStore, workspace: WorkspaceID
    ) async throws -> SideFeatures {
        var userAttributes = [[(name: String, value: JSONValue)]](repeating: [], count: log.users.count)
        var cursor: UserID?
        let parser = JSONParser()
        while true {
            let page = try await store.traits(in: workspace, after: cursor, limit: 10_000)
            for (user, traits) in page {
                guard let u = log.users.index(of: user.rawValue), case .object(let members)? = try? parser.parse(traits) else {
                    continue
                }
                userAttributes[Int(u)] = members.map { ("user.\($0.key)", $0.value) }
            }
            guard page.count == 10_000, let last = page.last else { break }
            cursor = last.user
        }
        var itemAttributes = [[(name: String, value: JSONValue)]](repeating: [], count: log.items.count)
        for start in stride(from: 0, to: log.items.count, by: 5_000) {
            let range = start..<min(start + 5_000, log.items.count)
            let keys = range.compactMap { log.items.key(at: Int32($0)) }
            let found = try await store.items(keys.map(ItemID.init(unchecked:)), in: workspace)
            for (row, key) in zip(range, keys) {
                guard let item = found[ItemID(unchecked: key)] else { continue }
                itemAttributes[row] = attributes(of: item, parser: parser)
            }
        }
        return SideFeatures(
            users: featurize(userAttributes, minimumSupport: 5), items: featurize(itemAttributes, minimumSupport: 2))
    }

    static func attributes(of item: Item, parser: JSONParser) -> [(name: String, value: JSONValue)] {
        var out: [(name: String, value: JSONValue)] = []
        if !item.categories.isEmpty { out.append(("category", .array(item.categories.map(JSONValue.string)))) }
        if !item.tags.isEmpty { out.append(("tag", .array(item.tags.map(JSONValue.string)))) }
        if let properties = item.properties, case .object(let members)? = try? parser.parse(properties) {
            for member in members { out.append((name: "item.\(member.key)", value: member.value)) }
        }
        return out
    }
}
