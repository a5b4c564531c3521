import AttuneCore

/// Customer texts and the relations found in them: user —mentions(sentiment)→ item or brand, and
/// item —co-mentioned→ item (two items mentioned in the same text).
package protocol TextStore: Sendable {
    /// The most rows one page of a relation query returns; larger limits are cut to it.
    static var maxPageSize: Int { get }

    /// Stores a text and its mentions in one transaction.
    /// - Throws: `AttuneError.conflict` when a text with the same id exists.
    func appendText(_ text: CustomerText, in workspace: WorkspaceID) async throws

    /// The user's texts in the order they were stored, `limit` after the sequence `cursor`, with
    /// the sequence of each (for the next page).
    func texts(of user: UserID, in workspace: WorkspaceID, after cursor: Int64?, limit: Int) async throws
        -> [(sequence: Int64, text: CustomerText)]

    /// What the user talked about, one summary per target, ordered by target kind then value,
    /// after the target `cursor`.
    func mentions(of user: UserID, in workspace: WorkspaceID, after cursor: MentionTarget?, limit: Int) async throws
        -> [MentionSummary]

    /// Who talked about `target`, one summary per user, ordered by user id, after `cursor`.
    func mentioners(of target: MentionTarget, in workspace: WorkspaceID, after cursor: UserID?, limit: Int)
        async throws -> [MentionSummary]

    /// Items mentioned in the same texts as `item`, most shared texts first (then by id),
    /// skipping the first `offset`.
    func coMentioned(with item: ItemID, in workspace: WorkspaceID, offset: Int, limit: Int) async throws -> [CoMention]

    /// A value that changes whenever the catalogue does (its size and latest update), so that
    /// names built from it are rebuilt only when needed.
    func catalogVersion(in workspace: WorkspaceID) async throws -> [Int64]

    /// The targets the user mentioned at least once in a text scoring at or below `threshold`.
    func negativelyMentioned(by user: UserID, in workspace: WorkspaceID, threshold: Double) async throws
        -> Set<MentionTarget>
}
