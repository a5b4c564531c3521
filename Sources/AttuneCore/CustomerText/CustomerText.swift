/// Where a customer's text came from.
package enum TextSource: String, Sendable, Codable, CaseIterable {
    case email, chat, review, social
}

/// The id of a stored text (assigned by the server).
package struct TextID: ExternalIdentifier {
    package let rawValue: String
    package init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// A piece of customer text attached to a user, as stored: the body with personal data already
/// pseudonymised, its sentiment when a lexicon was loaded, and what it mentions.
package struct CustomerText: Sendable, Equatable {
    package var id: TextID
    package var user: UserID
    package var source: TextSource
    package var body: String
    /// When the customer wrote it.
    package var time: Timestamp
    /// The item the text is about when the client said so (a review's product).
    package var item: ItemID?
    /// The compound score in [-1, 1]; `nil` when sentiment was unavailable.
    package var sentiment: Double?
    /// "positive", "negative" or "neutral"; `nil` with `sentiment`.
    package var sentimentLabel: String?
    /// The entities found, as a canonical JSON array (kinds and normal forms, pseudonymised).
    package var entities: String
    package var mentions: [TextMention]
    package var createdAt: Timestamp

    package init(
        id: TextID, user: UserID, source: TextSource, body: String, time: Timestamp, item: ItemID? = nil,
        sentiment: Double? = nil, sentimentLabel: String? = nil, entities: String = "[]", mentions: [TextMention] = [],
        createdAt: Timestamp
    ) {
        self.id = id
        self.user = user
        self.source = source
        self.body = body
        self.time = time
        self.item = item
        self.sentiment = sentiment
        self.sentimentLabel = sentimentLabel
        self.entities = entities
        self.mentions = mentions
        self.createdAt = createdAt
    }
}

/// What a text mentions: an item of the catalogue or a brand.
package enum MentionTarget: Sendable, Hashable, Comparable {
    case item(ItemID)
    case brand(String)

    package var kind: String {
        switch self {
        case .item: "item"
        case .brand: "brand"
        }
    }

    package var value: String {
        switch self {
        case .item(let id): id.rawValue
        case .brand(let name): name
        }
    }

    package init?(kind: String, value: String) {
        switch kind {
        case "item": self = .item(ItemID(unchecked: value))
        case "brand": self = .brand(value)
        default: return nil
        }
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { (lhs.kind, lhs.value) < (rhs.kind, rhs.value) }
}

/// One edge user —mentions(sentiment)→ target, from one text.
package struct TextMention: Sendable, Equatable, Hashable {
    package var target: MentionTarget
    /// The sentiment of the text that mentions it; `nil` when unavailable.
    package var sentiment: Double?

    package init(target: MentionTarget, sentiment: Double?) {
        self.target = target
        self.sentiment = sentiment
    }
}

/// The mentions of one target by one user, summed over their texts.
package struct MentionSummary: Sendable, Equatable {
    package var user: UserID
    package var target: MentionTarget
    package var count: Int
    /// Mean and lowest compound over the texts with a sentiment; `nil` when none had one.
    package var meanSentiment: Double?
    package var minSentiment: Double?
    package var lastTime: Timestamp

    package init(
        user: UserID, target: MentionTarget, count: Int, meanSentiment: Double?, minSentiment: Double?,
        lastTime: Timestamp
    ) {
        self.user = user
        self.target = target
        self.count = count
        self.meanSentiment = meanSentiment
        self.minSentiment = minSentiment
        self.lastTime = lastTime
    }
}

/// An item mentioned in the same texts as another, with how many texts.
package struct CoMention: Sendable, Equatable {
    package var item: ItemID
    package var texts: Int

    package init(item: ItemID, texts: Int) {
        self.item = item
        self.texts = texts
    }
}
