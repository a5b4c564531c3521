/// `identify`: the anonymous visitor `anonymousID` is the known user `userID`.
package struct Identify: Sendable, Equatable {
    package var anonymousID: AnonymousID?
    package var userID: UserID
    /// Canonical JSON object text of declared traits, or `nil`.
    package var traits: String?
    package var timestamp: Timestamp
    /// Where the traits came from (`api`, or an import's `--source`): the source priority of
    /// merged profiles ranks declarations by it.
    package var source: String
    /// Identifiers the call asserts (`identifiers` in the body), normalised; the store ignores
    /// them, identity resolution acts on them.
    package var identifiers: [PersonIdentifier] = []
    /// Identifiers of the call that were left out (a phone number not in international form),
    /// for the answer to report as warnings.
    package var skippedIdentifiers: [AttuneError] = []

    package init(
        anonymousID: AnonymousID?, userID: UserID, traits: String?, timestamp: Timestamp,
        source: String = IdentifierSource.api
    ) {
        self.anonymousID = anonymousID
        self.userID = userID
        self.traits = traits
        self.timestamp = timestamp
        self.source = source
    }

    package static let knownFields: Set<String> = ["anonymousId", "userId", "traits", "timestamp", "identifiers"]

    /// Validates an identify call. An `anonymousId` is optional so that CRM-style "here are this
    /// user's traits" calls work too; at least one of it or `traits` must be present.
    package static func decode(_ json: JSONValue, receivedAt: Timestamp) throws(AttuneError) -> Identify {
        guard let members = json.objectMembers else {
            throw .invalid("", "identify must be a JSON object, not \(json.typeName)")
        }
        for member in members where !knownFields.contains(member.key) {
            throw .invalid(member.key, "unknown field")
        }
        guard let userID: UserID = try EventDecoder.identifier(json["userId"], field: "userId") else {
            throw .missing("userId")
        }
        let anonymousID: AnonymousID? = try EventDecoder.identifier(json["anonymousId"], field: "anonymousId")
        var traits: String?
        switch json["traits"] {
        case nil, .null?: traits = nil
        case .object(let m)?:
            if !m.isEmpty {
                let text = JSONValue.object(m).serialized(sortedKeys: true)
                guard text.utf8.count <= 16 * 1024 else { throw .invalid("traits", "must be at most 16384 bytes of JSON") }
                traits = text
            }
        case let other?: throw .invalid("traits", "must be an object, not \(other.typeName)")
        }
        var skipped: [AttuneError] = []
        let identifiers = try PersonIdentifier.decodeList(json["identifiers"], field: "identifiers", skipped: &skipped)
        guard anonymousID != nil || traits != nil || !identifiers.isEmpty else {
            // A call that was only a malformed phone number says so rather than "nothing given".
            if let first = skipped.first { throw first }
            throw AttuneError(code: .missingField, message: "anonymousId or traits is required", field: "anonymousId")
        }
        let timestamp =
            try EventDecoder.timestamp(json["timestamp"], field: "timestamp", receivedAt: receivedAt, maxSkew: 86_400_000)
            ?? receivedAt
        var identify = Identify(anonymousID: anonymousID, userID: userID, traits: traits, timestamp: timestamp)
        identify.identifiers = identifiers
        identify.skippedIdentifiers = skipped
        return identify
    }
}
