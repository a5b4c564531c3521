/// The declared attributes of a merged profile, chosen attribute by attribute from what each
/// member and source declared.
///
/// The rule: for each top-level attribute, the value from the source that comes first in the
/// source priority wins; among equally ranked sources (sources not in the list rank after every
/// listed one, all alike), the most recently updated declaration wins; a tie on time goes to the
/// smaller source name, then the smaller user id, so the result never depends on storage order.
/// A user that was never merged and declares through one source gets exactly what it declared.
package enum DeclaredTraitsResolution {
    /// What one member declared through one source: an object (nulls already applied).
    package struct Declaration: Sendable, Equatable {
        package var user: String
        package var source: String
        package var traits: String
        package var updatedAt: Int64

        package init(user: String, source: String, traits: String, updatedAt: Int64) {
            self.user = user
            self.source = source
            self.traits = traits
            self.updatedAt = updatedAt
        }
    }

    /// The resolved traits as canonical JSON object text, or `nil` when nothing is declared.
    /// - Parameter priority: source names, the most trusted first.
    /// - Complexity: O(n log n) in the number of declarations plus the attributes' size.
    package static func resolve(_ declarations: [Declaration], priority: [String]) -> String? {
        guard !declarations.isEmpty else { return nil }
        if declarations.count == 1 { return declarations[0].traits }
        var rank: [String: Int] = [:]
        for (index, source) in priority.enumerated() where rank[source] == nil { rank[source] = index }
        let unlisted = priority.count
        // Applied weakest first, so that each stronger declaration overwrites what it also names.
        let ordered = declarations.sorted { a, b in
            let ra = rank[a.source] ?? unlisted
            let rb = rank[b.source] ?? unlisted
            if ra != rb { return ra > rb }
            if a.updatedAt != b.updatedAt { return a.updatedAt < b.updatedAt }
            if a.source != b.source { return a.source > b.source }
            return a.user > b.user
        }
        var keys: [String] = []
        var values: [String: JSONValue] = [:]
        for declaration in ordered {
            guard case .object(let members)? = try? JSONParser().parse(declaration.traits) else { continue }
            for member in members {
                if values[member.key] == nil { keys.append(member.key) }
                values[member.key] = member.value
            }
        }
        guard !keys.isEmpty else { return "{}" }
        return JSONValue.object(keys.map { ($0, values[$0]!) }).serialized(sortedKeys: true)
    }
}
