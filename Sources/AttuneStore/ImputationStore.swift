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
    /// profile at the time of the write (erased while the run computed) is left out, and so is one
    /// for a user erased at or after `erasedSince.time` (the run's start) whose id hashes, by
    /// `erasedSince.digest`, to a recorded erasure: a new event after the erasure makes a profile
    /// again, but the estimate was computed from the erased person's behaviour.
    /// - Returns: how many values were stored.
    @discardableResult
    func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)], in workspace: WorkspaceID,
        at time: Timestamp, erasedSince: (time: Timestamp, digest: @Sendable (UserID) -> [UInt8])?
    ) async throws -> Int

    /// The user's imputed attributes in name order; empty when none.
    func imputations(of user: UserID, in workspace: WorkspaceID) async throws -> [StoredImputation]
}

extension ImputationStore {
    /// ``replaceImputations(of:with:in:at:erasedSince:)`` leaving out only users without a profile.
    @discardableResult
    package func replaceImputations(
        of attribute: String, with values: [(user: UserID, value: String, confidence: Double)], in workspace: WorkspaceID,
        at time: Timestamp
    ) async throws -> Int {
        try await replaceImputations(of: attribute, with: values, in: workspace, at: time, erasedSince: nil)
    }
}

/// The checks every store applies to a run before writing it.
package enum ImputationValidation {
    /// - Throws: `AttuneError` `invalidValue` for a confidence that is not a number (SQLite would
    ///   store it as NULL, PostgreSQL as NaN) or a user given twice (the run must have one
    ///   estimate per user; the stores' keys would otherwise fail mid-write).
    package static func check(
        attribute: String, _ values: [(user: UserID, value: String, confidence: Double)]
    ) throws(AttuneError) {
        var seen = Set<UserID>(minimumCapacity: values.count)
        for (index, row) in values.enumerated() {
            guard !row.confidence.isNaN else {
                throw AttuneError.invalid("values[\(index)].confidence", "must be a number")
            }
            guard seen.insert(row.user).inserted else {
                throw AttuneError.invalid("values[\(index)].user", "\(attribute): a user has one estimate per run")
            }
        }
    }
}
