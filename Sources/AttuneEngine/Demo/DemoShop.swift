import AttuneCore
import AttuneML
import Foundation

/// A synthetic shop with the shape of real behaviour: users with attributes and favourite
/// categories, a catalogue with long-tailed (Zipf) popularity, and sessions in which views lead
/// to carts and carts to purchases. Deterministic for a seed.
package struct DemoShop: Sendable {
    package struct Configuration: Sendable {
        package var users = 2_000
        package var items = 600
        package var days = 60
        package var seed: UInt64 = 42

        package init() {}
    }

    package var items: [Item] = []
    package var users: [Identify] = []
    package var events: [Event] = []
    /// Identify calls that link anonymous first visits to the user who later signed in.
    package var links: [Identify] = []

    static let categories: [(name: String, nouns: [String], brands: [String])] = [
        ("electronics", ["Headphones", "Charger", "Speaker", "Monitor", "Keyboard", "Webcam"], ["Voltra", "Nexa", "Sonik"]),
        ("books", ["Novel", "Cookbook", "Atlas", "Biography", "Guide", "Anthology"], ["Papyrus", "Inkwell"]),
        ("home", ["Lamp", "Rug", "Kettle", "Blanket", "Vase", "Clock"], ["Hearth", "Nordby", "Casa"]),
        ("garden", ["Hose", "Planter", "Shears", "Seeds", "Lantern", "Bench"], ["Greenleaf", "Terra"]),
        ("toys", ["Puzzle", "Robot", "Blocks", "Kite", "Doll", "Racecar"], ["Playful", "Tinker"]),
        ("sports", ["Yoga Mat", "Dumbbell", "Racket", "Bottle", "Helmet", "Backpack"], ["Stride", "Apex"]),
        ("beauty", ["Serum", "Lotion", "Palette", "Brush", "Perfume", "Balm"], ["Lumen", "Velour"]),
        ("fashion", ["Jacket", "Sneakers", "Scarf", "Watch", "Sunglasses", "Belt"], ["Northway", "Mode", "Atelier"]),
        ("grocery", ["Coffee", "Tea", "Olive Oil", "Chocolate", "Honey", "Granola"], ["Harvest", "Origin"]),
        ("games", ["Board Game", "Controller", "Card Deck", "Chess Set", "Dice Set", "Headset"], ["Meeple", "Pixel"]),
    ]
    static let adjectives = ["Classic", "Compact", "Deluxe", "Eco", "Pro", "Smart", "Vintage", "Ultra", "Mini", "Premium"]
    static let countries = ["DE", "AT", "FR", "GB", "US", "ES", "IT", "NL", "SE", "PL"]
    static let languages = ["de", "de", "fr", "en", "en", "es", "it", "nl", "sv", "pl"]

    package init(configuration: Configuration = Configuration(), now: Timestamp) {
        var rng = SeededGenerator(seed: configuration.seed)
        let categoryCount = Self.categories.count
        // Catalogue: each item gets a category, a price and a popularity weight (Zipf over a
        // random permutation so popular items are spread over categories).
        var itemCategory: [Int] = []
        var itemsByCategory = [[Int]](repeating: [], count: categoryCount)
        var popularity: [Double] = []
        var ranks = Array(1...configuration.items)
        ranks.shuffle(using: &rng)
        for index in 0..<configuration.items {
            let c = Int(rng.next() % UInt64(categoryCount))
            let category = Self.categories[c]
            let noun = category.nouns[Int(rng.next() % UInt64(category.nouns.count))]
            let adjective = Self.adjectives[Int(rng.next() % UInt64(Self.adjectives.count))]
            let brand = category.brands[Int(rng.next() % UInt64(category.brands.count))]
            let price = (exp(2.5 + 1.0 * Self.normal(&rng)) * 100).rounded() / 100
            let margin = ((0.1 + 0.4 * rng.unit()) * 100).rounded() / 100
            let properties = JSONValue.object([
                ("brand", .string(brand)), ("price", .number(price)), ("margin", .number(margin)),
            ]).serialized(sortedKeys: true)
            var tags = [adjective.lowercased(), brand.lowercased()]
            if price < 15 { tags.append("budget") }
            if price > 60 { tags.append("premium") }
            items.append(
                Item(
                    id: ItemID(unchecked: "sku-\(10_000 + index)"),
                    title: "\(brand) \(adjective) \(noun)",
                    description: "A \(adjective.lowercased()) \(noun.lowercased()) from \(brand) for \(category.name) lovers.",
                    categories: [category.name], tags: tags, properties: properties,
                    available: rng.unit() > 0.03, createdAt: now, updatedAt: now))
            itemCategory.append(c)
            itemsByCategory[c].append(index)
            popularity.append(pow(Double(ranks[index]), -1.1))
        }
        let globalSampler = WeightedSampler(weights: popularity)
        let categorySamplers = itemsByCategory.map { members in
            WeightedSampler(weights: members.map { popularity[$0] })
        }

        let start = now.millisecondsSinceEpoch - Int64(configuration.days) * 86_400_000
        for u in 0..<configuration.users {
            let user = UserID(unchecked: "user-\(u + 1)")
            let countryIndex = Int(rng.next() % UInt64(Self.countries.count))
            let age = 18 + Int(min(57, max(0, (22 + 12 * Self.normal(&rng)).rounded())))
            let traits = JSONValue.object([
                ("age", .number(Double(age))),
                ("gender", .string(rng.unit() < 0.5 ? "f" : "m")),
                ("country", .string(Self.countries[countryIndex])),
                ("language", .string(Self.languages[countryIndex])),
            ]).serialized(sortedKeys: true)
            users.append(Identify(anonymousID: nil, userID: user, traits: traits, timestamp: now))

            let favourites = (0..<(1 + Int(rng.next() % 3))).map { _ in Int(rng.next() % UInt64(categoryCount)) }
            // Long-tailed activity: most users visit a few times, some very often.
            let sessions = max(1, Int(exp(0.9 + 0.8 * Self.normal(&rng))))
            let anonymous = AnonymousID(unchecked: "anon-\(u + 1)")
            var time = start + Int64(rng.unit() * Double(configuration.days) * 0.5 * 86_400_000)
            for s in 0..<sessions {
                // The first session of a third of the users happens before they sign in.
                let anonymousSession = s == 0 && u % 3 == 0
                let session = SessionID(unchecked: "s-\(u + 1)-\(s + 1)")
                let views = 1 + Int(exp(1.0 + 0.7 * Self.normal(&rng)))
                var cart: [Int] = []
                for _ in 0..<min(views, 40) {
                    let item: Int
                    if rng.unit() < 0.7 {
                        let c = favourites[Int(rng.next() % UInt64(favourites.count))]
                        guard !itemsByCategory[c].isEmpty else { continue }
                        item = itemsByCategory[c][categorySamplers[c].sample(&rng)]
                    } else {
                        item = globalSampler.sample(&rng)
                    }
                    time += Int64(5_000 + rng.unit() * 120_000)
                    events.append(event(.view, user: anonymousSession ? nil : user, anonymous: anonymousSession ? anonymous : nil,
                                        session: session, item: item, value: nil, time: time, now: now))
                    if rng.unit() < 0.12 {
                        time += Int64(2_000 + rng.unit() * 30_000)
                        cart.append(item)
                        events.append(event(.addToCart, user: anonymousSession ? nil : user,
                                            anonymous: anonymousSession ? anonymous : nil,
                                            session: session, item: item, value: nil, time: time, now: now))
                    }
                }
                for item in cart where rng.unit() < 0.45 {
                    time += Int64(10_000 + rng.unit() * 60_000)
                    let price = Self.price(of: items[item])
                    events.append(event(.purchase, user: user, anonymous: nil, session: session, item: item,
                                        value: price, time: time, now: now))
                }
                if anonymousSession {
                    links.append(Identify(anonymousID: anonymous, userID: user, traits: nil, timestamp: Timestamp(millisecondsSinceEpoch: time)))
                }
                time += Int64((0.5 + rng.unit() * 6) * 86_400_000 / Double(max(1, sessions / 3)))
                if time > now.millisecondsSinceEpoch - 60_000 { break }
            }
        }
        events.sort { $0.timestamp < $1.timestamp }
    }

    private func event(
        _ type: EventType, user: UserID?, anonymous: AnonymousID?, session: SessionID, item: Int, value: Double?,
        time: Int64, now: Timestamp
    ) -> Event {
        var event = Event(
            id: EventID(high: 0, low: 0), type: type, userID: user, anonymousID: anonymous, sessionID: session,
            itemID: items[item].id, value: value, timestamp: Timestamp(millisecondsSinceEpoch: time), receivedAt: now)
        event.id = EventRowMapper.contentID(of: event, includeTime: true)
        return event
    }

    static func price(of item: Item) -> Double? {
        guard let text = item.properties, case .number(let p)? = (try? JSONParser().parse(text))?["price"] else {
            return nil
        }
        return p
    }

    static func normal(_ rng: inout SeededGenerator) -> Double {
        let u1 = max(rng.unit(), 1e-12)
        let u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// Samples an index in proportion to its weight (binary search over the cumulative sum).
struct WeightedSampler: Sendable {
    private let cumulative: [Double]

    init(weights: [Double]) {
        var sum = 0.0
        cumulative = weights.map { w in
            sum += w
            return sum
        }
    }

    func sample(_ rng: inout SeededGenerator) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let target = rng.unit() * total
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] <= target { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
