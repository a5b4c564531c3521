import AttuneCore

extension AuditAction {
    /// Users were merged into one person; the subject is the canonical user's digest, the detail
    /// the merge id, the merged user's digest and the reason.
    package static let usersMerged = AuditAction("user.merge")
    /// A merge was undone; subject and detail as for ``usersMerged``.
    package static let usersUnmerged = AuditAction("user.unmerge")
}
