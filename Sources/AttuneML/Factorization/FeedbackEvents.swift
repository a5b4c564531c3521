/// Implicit positive feedback for training a ``FactorizationMachine``: who acted on what, and in
/// which context. Features come from a ``FactorizationLayout`` (user and item rows) plus, per event,
/// an optional context row (`device=…`, `hour=…`); without one every event uses the layout's context.
package struct FeedbackEvents: Sendable, Equatable {
    /// The dense user of each event (a row of the layout's users).
    package var users: [Int32]
    /// The dense item of each event (a row of the layout's items).
    package var items: [Int32]
    /// One context row per event, or `nil`.
    package var contexts: FeatureRows?

    /// - Throws: `AttuneMLError.dimensionMismatch` when the arrays differ in length.
    package init(users: [Int32], items: [Int32], contexts: FeatureRows? = nil) throws {
        guard users.count == items.count, contexts == nil || contexts!.count == users.count else {
            throw AttuneMLError.dimensionMismatch(
                "\(users.count) users, \(items.count) items, \(contexts?.count ?? users.count) contexts")
        }
        self.users = users
        self.items = items
        self.contexts = contexts
    }

    /// The number of events.
    package var count: Int { users.count }
}
