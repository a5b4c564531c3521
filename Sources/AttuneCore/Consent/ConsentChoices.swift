/// A person's decisions per purpose; `nil` where they have not decided (the default applies).
package struct ConsentChoices: Sendable, Equatable, Hashable {
    package var analytics: Bool?
    package var personalization: Bool?
    package var marketing: Bool?

    package init(analytics: Bool? = nil, personalization: Bool? = nil, marketing: Bool? = nil) {
        self.analytics = analytics
        self.personalization = personalization
        self.marketing = marketing
    }

    package subscript(purpose: ConsentPurpose) -> Bool? {
        get {
            switch purpose {
            case .analytics: analytics
            case .personalization: personalization
            case .marketing: marketing
            }
        }
        set {
            switch purpose {
            case .analytics: analytics = newValue
            case .personalization: personalization = newValue
            case .marketing: marketing = newValue
            }
        }
    }

    package var isEmpty: Bool { analytics == nil && personalization == nil && marketing == nil }

    /// Whether `purpose` is allowed, with `policy` where no decision was made.
    package func permits(_ purpose: ConsentPurpose, under policy: ConsentDefault) -> Bool {
        self[purpose] ?? policy.allows
    }

    /// These decisions with `change`'s decided purposes written over them.
    package func applying(_ change: ConsentChoices) -> ConsentChoices {
        var out = self
        for purpose in ConsentPurpose.allCases { if let value = change[purpose] { out[purpose] = value } }
        return out
    }

    /// The stored form: one character per purpose, `1`, `0` or `-` (undecided), in
    /// ``ConsentPurpose`` order.
    package var encoded: String {
        String(ConsentPurpose.allCases.map { self[$0].map { $0 ? "1" : "0" } ?? "-" })
    }

    /// Reads ``encoded``; unknown characters read as undecided.
    package init(encoded: String) {
        self.init()
        for (purpose, character) in zip(ConsentPurpose.allCases, encoded) {
            self[purpose] = character == "1" ? true : character == "0" ? false : nil
        }
    }
}

/// One change of a person's consent, as kept in its history.
package struct ConsentChange: Sendable, Equatable {
    /// Only the purposes this change decided.
    package var choices: ConsentChoices
    /// Where it came from: `api`, `tracker`, `import`, ...
    package var source: String
    package var at: Timestamp

    package init(choices: ConsentChoices, source: String, at: Timestamp) {
        self.choices = choices
        self.source = source
        self.at = at
    }
}

/// A person's current decisions and how they came about.
package struct ConsentRecord: Sendable, Equatable {
    package var choices: ConsentChoices
    package var updatedAt: Timestamp
    /// Oldest first; empty when only the current state was asked for.
    package var history: [ConsentChange]

    package init(choices: ConsentChoices, updatedAt: Timestamp, history: [ConsentChange] = []) {
        self.choices = choices
        self.updatedAt = updatedAt
        self.history = history
    }
}
