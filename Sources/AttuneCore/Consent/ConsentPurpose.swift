/// What a person may agree to their data being used for.
package enum ConsentPurpose: String, Sendable, CaseIterable, Hashable {
    /// Storing their events at all. Without it events are counted, not stored.
    case analytics
    /// Profiles' computed traits, segment membership, model training and personal recommendations.
    case personalization
    /// Being exported to campaigns; recorded for the systems that send them.
    case marketing
}

/// What applies to a purpose a person has not decided on.
package enum ConsentDefault: String, Sendable, CaseIterable {
    /// Everything is allowed until withdrawn.
    case optOut = "opt-out"
    /// Nothing is allowed until granted.
    case optIn = "opt-in"

    package var allows: Bool { self == .optOut }
}
