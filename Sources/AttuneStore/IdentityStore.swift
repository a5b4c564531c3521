import AttuneCore

/// Links between anonymous visitors and known users, and traits declared about users.
package protocol IdentityStore: Sendable {
    func record(_ identify: Identify, in workspace: WorkspaceID) async throws
    func record(_ identifies: [Identify], in workspace: WorkspaceID) async throws

    func anonymousIDs(of user: UserID, in workspace: WorkspaceID) async throws -> [AnonymousID]

    /// The users an anonymous id has been linked to by `identify`, in id order.
    func users(linkedTo anonymous: AnonymousID, in workspace: WorkspaceID) async throws -> [UserID]

    /// Declared traits as canonical JSON object text, merged over all calls (RFC 7396).
    func traits(of user: UserID, in workspace: WorkspaceID) async throws -> String?

    /// Every user of the workspace with declared traits, in user id order, after `cursor`, at most `limit`.
    func traits(in workspace: WorkspaceID, after cursor: UserID?, limit: Int) async throws -> [(user: UserID, traits: String)]
}
