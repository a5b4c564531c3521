/// How a ``FactorizationMachine`` builds the `(user, item, context)` example that it scores as a
/// ``Recommender``: the example is the user's row, the fixed context and the item's row, joined.
///
/// Users and items use disjoint fields (`user=…`, `age=…` against `item=…`, `genre=…`) so that
/// the user-and-context part of the pairwise sum can be computed once per user.
package struct FactorizationLayout: Sendable, Equatable {
    /// Row `u`: the features of dense user `u` (its id feature plus attributes).
    package var users: FeatureRows
    /// Row `i`: the features of dense item `i` (its id feature plus attributes); one row per item.
    package var items: FeatureRows
    /// The context every ``FactorizationMachine/score(user:history:values:into:)`` call assumes
    /// (e.g. `device=mobile`, `hour=13`); may be empty. Per-request context goes through
    /// ``FactorizationMachine/scoreItems(context:into:)``.
    package var context: FeatureVector

    package init(
        users: FeatureRows = FeatureRows(), items: FeatureRows = FeatureRows(),
        context: FeatureVector = FeatureVector()
    ) {
        self.users = users
        self.items = items
        self.context = context
    }

    /// Checks every feature index against the model width. User rows may be empty; item rows not,
    /// since an item without features could not be told apart from any other.
    /// - Throws: `AttuneMLError.indexOutOfRange` / `invalidArgument`.
    func validate(featureCount: Int) throws {
        try users.validate(featureCount: featureCount, allowEmptyRows: true)
        try items.validate(featureCount: featureCount)
        try context.validate(featureCount: featureCount, allowEmpty: true)
    }
}
