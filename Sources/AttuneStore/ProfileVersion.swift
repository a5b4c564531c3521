import AttuneCore

/// One saved version of a user's profile: what caused it and what it changed.
///
/// Every bump of a profile's version writes exactly one of these, with that version, in the same
/// transaction. A user who has only declared attributes has no profile row yet, so no version and
/// no history: the history starts with the first save of the computed profile.
package struct ProfileVersion: Sendable, Equatable {
    package enum Cause: String, Sendable, CaseIterable {
        /// Appended events were folded in.
        case event
        /// `identify` linked an anonymous id, bringing its earlier events in.
        case identify
        /// `attune profiles rebuild` replaced the profile.
        case rebuild
        /// Declared attributes changed (`PATCH /v1/users/{id}` or identify traits).
        case patch
        /// Personalization consent was granted again and the profile recomputed from the log.
        case consent
        /// Users were merged into this one (or this one into another: `mergedInto`).
        case merge
        /// A merge was undone and the profile recomputed from the events it owns again.
        case unmerge
    }

    package var version: Int
    package var at: Timestamp
    package var cause: Cause
    /// Compact JSON: `changed` (computed field → `[before, after]`, `countsByType` per type) and
    /// the cause's reference (`events` + `eventIds`, `anonymousId`, or `declared` keys).
    package var detail: String

    package init(version: Int, at: Timestamp, cause: Cause, detail: String) {
        self.version = version
        self.at = at
        self.cause = cause
        self.detail = detail
    }
}
