/// What changed in the catalogue since the served model was loaded, as the factor path sees it.
///
/// Items are named by id, not by dense label: labels are resolved by the model the change is
/// applied to (``ServingModel/applying(_:)``), so a change computed against one served value can
/// never move another value's labels.
package struct CatalogueChange: Sendable {
    /// New items (not in the model) with their borrowed vectors and nearest trained item (a label
    /// of the trained items, which every value of one version shares).
    /// An item added earlier whose content changed gets its new vector this way too.
    package var added: [(key: String, vector: [Float], anchor: Int32)] = []
    /// A hash of the content each added vector was borrowed from, by id.
    package var contentHashes: [String: Int] = [:]
    /// Items to stop serving: deleted or unavailable.
    package var withdrawn: [String] = []
    /// Withdrawn items available again.
    package var restored: [String] = []

    package init() {}

    package var isEmpty: Bool { added.isEmpty && withdrawn.isEmpty && restored.isEmpty }

    /// The ids the change names.
    package var keys: [String] { added.map(\.key) + withdrawn + restored }

    /// This change without the entries for `keys`.
    package func removing(_ keys: Set<String>) -> CatalogueChange {
        var kept = self
        kept.added.removeAll { keys.contains($0.key) }
        kept.withdrawn.removeAll(where: keys.contains)
        kept.restored.removeAll(where: keys.contains)
        return kept
    }
}
