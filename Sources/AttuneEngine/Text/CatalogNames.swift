import AttuneCore
import AttuneML

/// The names by which customers refer to catalogue entries: each item's title and aliases, and
/// its brand, compiled into one multi-pattern matcher.
///
/// Brand and aliases come from the item's properties: `"brand": "Acme"` and `"aliases": ["…"]`
/// (or one string). Brands are identified by their folded form, so "ACME" and "Acme" are one brand.
package struct CatalogNames: Sendable {
    let matcher: MultiPatternMatcher
    /// What each pattern stands for, by pattern index.
    let targets: [MentionTarget]

    /// Compiles the names of `items`. Names of fewer than three bytes once folded are left out:
    /// "A" or "TV" would match ordinary words (a two-ideograph name such as "東京" is six bytes and
    /// stays).
    /// - Complexity: O(total length of the names).
    package init(items: [Item]) {
        var patterns: [String] = []
        var targets: [MentionTarget] = []
        for item in items {
            let properties = item.properties.flatMap { try? JSONParser().parse($0) }
            var names: [String] = []
            if let title = item.title { names.append(title) }
            switch properties?["aliases"] {
            case .string(let alias)?: names.append(alias)
            case .array(let aliases)?: names.append(contentsOf: aliases.compactMap(\.stringValue))
            default: break
            }
            for name in names where TextFolding.folded(name).utf8.count >= 3 {
                patterns.append(name)
                targets.append(.item(item.id))
            }
            if let brand = Self.brand(of: properties), TextFolding.folded(brand).utf8.count >= 2 {
                patterns.append(brand)
                targets.append(.brand(TextFolding.folded(brand)))
            }
        }
        matcher = MultiPatternMatcher(patterns: patterns)
        self.targets = targets
    }

    /// The brand named in an item's properties, as written.
    static func brand(of properties: JSONValue?) -> String? {
        properties?["brand"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The folded brand of an item (the form mention targets use), or `nil`.
    package static func brandKey(of item: Item) -> String? {
        brand(of: item.properties.flatMap { try? JSONParser().parse($0) }).map(TextFolding.folded)
    }

    /// Every item and brand named in `text` (leftmost-longest, whole words), each once.
    package func mentions(in text: String) -> [MentionTarget] {
        var seen = Set<MentionTarget>()
        var out: [MentionTarget] = []
        for match in matcher.matches(in: text) {
            for pattern in match.patterns where seen.insert(targets[pattern]).inserted {
                out.append(targets[pattern])
            }
        }
        return out
    }
}
