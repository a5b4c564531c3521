import AttuneCore

/// How many stored texts a ``ProtectedValueStore/rewriteDeclaredTraits(in:batchSize:_:)`` changed.
package struct DeclaredTraitsRewrite: Sendable, Equatable {
    /// Users' resolved declared traits (`user_traits`).
    package var users = 0
    /// Per-source declarations (`declared_sources`), from which the resolved ones are made.
    package var declarations = 0

    package init(users: Int = 0, declarations: Int = 0) {
        self.users = users
        self.declarations = declarations
    }
}

/// Rewrites, in place, every stored text that can hold an encrypted personal value, for the
/// rotation of the encryption key. Encrypted values live only in declared traits: events and
/// identifiers hold keyed tokens (their key does not rotate), never a ciphertext.
package protocol ProtectedValueStore: Sendable {
    /// Calls `rewrite` on each declared-traits text of the workspace, the per-source declarations
    /// first and then each user's resolved traits, and stores what it returns instead (`nil` keeps
    /// the text). Nothing else changes: no profile version, no update time, no segment
    /// re-evaluation, since the values read back the same. Each batch of `batchSize` rows is read
    /// and written in one transaction, so a concurrent declaration is never lost; an interrupted
    /// run leaves each text either old or new, and `rewrite` returning `nil` for what is already
    /// new lets it simply be run again.
    /// - Throws: the store's error, or `rewrite`'s (that batch is then left as it was).
    func rewriteDeclaredTraits(
        in workspace: WorkspaceID, batchSize: Int, _ rewrite: @escaping @Sendable (String) throws -> String?
    ) async throws -> DeclaredTraitsRewrite

    /// How many declared-traits texts of the workspace (per-source declarations and resolved
    /// traits together) hold a value under each encryption key, as `keyIDs` reads a text. What
    /// retiring keys checks last: a process still encrypting with an old key may have written a
    /// row behind the rewrite's cursor.
    func declaredTraitKeyUse(
        in workspace: WorkspaceID, _ keyIDs: @escaping @Sendable (String) -> Set<String>
    ) async throws -> [String: Int]
}
