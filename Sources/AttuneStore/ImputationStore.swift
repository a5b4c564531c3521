import AttuneCore

/// An attribute value estimated from behaviour, kept apart from what the user declared.
package struct StoredImputation: Sendable, Equatable {
    package var attribute: String
    /// The value as JSON text.
    package var value: String
    /// In [0, 1].
    package var confidence: Double
    package var imputedAt: Timestamp

    package init(attribute: String, value: String, confidence: Double, imputedAt: Timestamp) {
        self.attribute = attribute
        self.value = value
        self.confidence = confidence
        self.imputedAt = imputedAt
    }
}

/// Imputed attributes (`attune profiles impute`). Never mixed into declared traits: readers show
/// them under their own key and drop any the user has since declared.
package protocol ImputationStore: Sendable {
    /// Replaces every imputed value of `attribute` in the workspace with `values`, in one
    /// transaction: a new run supersedes the previous one whole. A value for a user without a
    /// profile at the time of the write (erased while the run computed) is left out.
    /// - Returns: how many values were stored.
    @discardableResult
    func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)], in workspace: WorkspaceID,
        at time: Timestamp
    ) async throws -> Int

    /// The user's imputed attributes in name order; empty when none.
    func imputations(of user: UserID, in workspace: WorkspaceID) async throws -> [StoredImputation]
}
