/// The text of one catalogue item, as the caller has it.
///
/// `title` and `description` are free text and are tokenised into words, which the two fields
/// share (a word in a title matches the same word in another item's description). Categories and
/// tags are whole labels: each becomes one feature, in its own namespace (`cat:` and `tag:`), so
/// the category "Science Fiction" neither matches the words "science" and "fiction" nor a tag of
/// the same name.
package struct ItemText: Sendable, Equatable {
    /// Free text, tokenised into words.
    package var title: String
    /// Free text, tokenised into words (shared with the title).
    package var description: String
    /// Whole labels, one `cat:` feature each.
    package var categories: [String]
    /// Whole labels, one `tag:` feature each.
    package var tags: [String]

    package init(title: String = "", description: String = "", categories: [String] = [], tags: [String] = []) {
        self.title = title
        self.description = description
        self.categories = categories
        self.tags = tags
    }

    /// The feature name of a whole label: the prefix plus the label lower-cased, with runs of white
    /// space collapsed to one space and trimmed, so "Sci-Fi " and "sci-fi" are one feature.
    /// `nil` for a blank label.
    static func labelFeature(_ label: String, prefix: String) -> String? {
        let words = label.lowercased().split(whereSeparator: { $0.isWhitespace })
        return words.isEmpty ? nil : prefix + words.joined(separator: " ")
    }
}
