/// A person's consent per purpose, as `PUT /v1/users/{id}/consent` records it.
public struct Consent: Sendable, Hashable, Codable {
    public var analytics: Bool
    public var personalization: Bool
    public var marketing: Bool

    public init(analytics: Bool, personalization: Bool, marketing: Bool) {
        self.analytics = analytics
        self.personalization = personalization
        self.marketing = marketing
    }
}

/// What the client does with events of a person who has not given analytics consent.
public enum ConsentPolicy: Sendable, Hashable {
    /// Send them: consent is managed elsewhere (the server still checks it before use).
    case notRequired
    /// Drop them at once.
    case drop
    /// Keep them in memory (never on disk) until consent is given, then send them; drop them if
    /// consent is refused.
    case hold
}
