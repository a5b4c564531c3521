import AttuneCore
import GRDB

extension SQLiteStore: IdentityResolutionStore {
    package func attach(
        _ batch: [(user: UserID, identifiers: [PersonIdentifier])], source: String, in workspace: WorkspaceID,
        actor: String, at time: Timestamp
    ) async throws -> [MergeOutcome] {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let at = time.millisecondsSinceEpoch
            var outcomes: [MergeOutcome] = []
            let blocks = try Self.hasMergeBlocks(key, db)
            for (user, identifiers) in batch {
                let own = try Self.canonical(key, user.rawValue, db)
                var groups = [own]
                // Members of the groups joining so far, and whom they must not be merged with.
                var joined: Set<String> = []
                var refused: Set<String> = []
                if blocks {
                    let members = try Self.members(key, own, db)
                    joined.formUnion(members)
                    refused = try Self.blockedPartners(key, members, db)
                }
                var reasons: [String: String] = [:]
                var refusedIdentifiers = 0
                for identifier in identifiers {
                    let holder = try String.fetchOne(
                        db.cachedStatement(
                            sql: "SELECT user_id FROM user_identifiers WHERE workspace = ? AND kind = ? AND value = ?"),
                        arguments: [key, identifier.kind.rawValue, identifier.value])
                    guard let holder else {
                        try db.cachedStatement(
                            sql: """
                                INSERT INTO user_identifiers (workspace, kind, value, user_id, source, first_seen)
                                VALUES (?, ?, ?, ?, ?, ?)
                                """
                        )
                        .execute(arguments: [
                            key, identifier.kind.rawValue, identifier.value, user.rawValue, source, at,
                        ])
                        continue
                    }
                    let canonical = try Self.canonical(key, holder, db)
                    if !groups.contains(canonical) {
                        if blocks {
                            // An unmerge split these people: the identifier stays with its holder.
                            let members = try Self.members(key, canonical, db)
                            let partners = try Self.blockedPartners(key, members, db)
                            guard refused.isDisjoint(with: members), partners.isDisjoint(with: joined) else {
                                refusedIdentifiers += 1
                                continue
                            }
                            joined.formUnion(members)
                            refused.formUnion(partners)
                        }
                        groups.append(canonical)
                        reasons[canonical] = identifier.kind.rawValue
                    }
                }
                guard groups.count > 1 else {
                    outcomes.append(
                        MergeOutcome(canonical: UserID(unchecked: own), merges: [], refusedIdentifiers: refusedIdentifiers))
                    continue
                }
                // The user that brought the identifiers joins for the first identifier that linked it.
                reasons[own] = reasons[groups[1]]
                var outcome = try self.mergeGroups(key, groups, reasons: reasons, keep: nil, actor: actor, at: at, db)
                outcome.refusedIdentifiers = refusedIdentifiers
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    package func merge(
        _ users: [UserID], canonical: UserID?, in workspace: WorkspaceID, actor: String, at time: Timestamp
    )
        async throws -> MergeOutcome
    {
        guard Set(users).count == users.count else {
            throw AttuneError.invalid("users", "names a user twice: a user cannot be merged with itself")
        }
        guard users.count >= 2 else { throw AttuneError.invalid("users", "must name at least two users") }
        if let canonical, !users.contains(canonical) {
            throw AttuneError.invalid("canonical", "must be one of users")
        }
        return try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            var groups: [String] = []
            for (index, user) in users.enumerated() {
                guard try Self.isKnown(key, user.rawValue, db) else {
                    throw AttuneError(code: .notFound, message: "user not found", field: "users[\(index)]")
                }
                let canonical = try Self.canonical(key, user.rawValue, db)
                if !groups.contains(canonical) { groups.append(canonical) }
            }
            guard groups.count > 1 else {
                throw AttuneError(code: .conflict, message: "these users are merged already", field: "users")
            }
            let keep = try canonical.map { try Self.canonical(key, $0.rawValue, db) }
            // A person decided these are one: an earlier unmerge's pair no longer holds.
            try Self.clearMergeBlocks(key, among: groups, db)
            let reasons = Dictionary(uniqueKeysWithValues: groups.map { ($0, UserMerge.manualReason) })
            return try self.mergeGroups(
                key, groups, reasons: reasons, keep: keep, actor: actor, at: time.millisecondsSinceEpoch, db)
        }
    }

    package func unmerge(_ user: UserID, merge id: Int64?, in workspace: WorkspaceID, actor: String, at time: Timestamp)
        async throws -> UserMerge
    {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            let named = user.rawValue
            guard try Self.isKnown(key, named, db) else { throw AttuneError.notFound("user") }
            let row: Row?
            if let id {
                row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM user_merges WHERE workspace = ? AND id = ?"),
                    arguments: [key, id])
                guard row != nil else { throw AttuneError.notFound("merge") }
            } else if let mergeID = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT merge_id FROM user_aliases WHERE workspace = ? AND alias = ?"),
                arguments: [key, named])
            {
                row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM user_merges WHERE id = ?"),
                    arguments: [mergeID])
            } else {
                row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT * FROM user_merges WHERE workspace = ? AND canonical = ? AND undone_at IS NULL
                            ORDER BY id DESC LIMIT 1
                            """),
                    arguments: [key, named])
                guard row != nil else {
                    throw AttuneError(code: .conflict, message: "the user has no merge to undo", field: "id")
                }
            }
            let merge = Self.userMerge(row!)
            guard merge.undoneAt == nil else {
                throw AttuneError(code: .conflict, message: "the merge was undone already", field: "merge")
            }
            // The merge must concern the person the request names.
            let person = try Self.canonical(key, named, db)
            guard try Self.canonical(key, merge.merged.rawValue, db) == person else {
                throw AttuneError(code: .conflict, message: "the merge does not involve this user", field: "merge")
            }
            try self.split(key, merge, actor: actor, at: time.millisecondsSinceEpoch, db)
            var undone = merge
            undone.undoneAt = time
            undone.undoneBy = actor
            return undone
        }
    }

    package func canonicalUser(of user: UserID, in workspace: WorkspaceID) async throws -> UserID {
        // Every recommendation request asks. Most workspaces have no merges at all: one question
        // per database change answers for everyone; otherwise each answer is kept until the
        // database changes (a merge or its undoing is a commit, which drops them all).
        let any = ServingReadCache.Key(kind: .anyAliases, workspace: workspace, user: "", parameter: 0)
        if case .flag(false) = try servingCache.value(any, read: { .flag(try hasAliases(in: workspace)) }) { return user }
        let key = ServingReadCache.Key(kind: .canonicalUser, workspace: workspace, user: user.rawValue, parameter: 0)
        if case .user(let canonical) = try servingCache.value(key, read: { .user(try readCanonicalUser(of: user, in: workspace)) }) {
            return UserID(unchecked: canonical)
        }
        return UserID(unchecked: try readCanonicalUser(of: user, in: workspace))
    }

    private func readCanonicalUser(of user: UserID, in workspace: WorkspaceID) throws -> String {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return user.rawValue }
            return try Self.canonical(key, user.rawValue, db)
        }
    }

    private func hasAliases(in workspace: WorkspaceID) throws -> Bool {
        try readNow { db in
            guard let key = try self.workspaceKey(workspace, db) else { return false }
            return try Self.hasAliases(key, db)
        }
    }

    package func mergedUsers(into canonical: UserID, in workspace: WorkspaceID) async throws -> [UserID] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.members(key, canonical.rawValue, db).dropFirst().map(UserID.init(unchecked:))
        }
    }

    package func identifiers(of users: [UserID], in workspace: WorkspaceID) async throws -> [StoredIdentifier] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.identifiers(key, users.map(\.rawValue), db)
        }
    }

    package func merges(involving users: [UserID], in workspace: WorkspaceID) async throws -> [UserMerge] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.merges(key, users.map(\.rawValue), db)
        }
    }

    package func sourcePriority(in workspace: WorkspaceID) async throws -> [String] {
        try await writer.read { db in
            guard let key = try self.workspaceKey(workspace, db) else { return [] }
            return try Self.storedSourcePriority(key, db)
        }
    }

    package func setSourcePriority(_ sources: [String], in workspace: WorkspaceID) async throws {
        try await writer.write { db in
            let key = try self.requireWorkspace(workspace, db)
            guard try Self.storedSourcePriority(key, db) != sources else { return }
            try db.cachedStatement(
                sql: """
                    INSERT INTO source_priority (workspace, sources) VALUES (?, ?)
                    ON CONFLICT (workspace) DO UPDATE SET sources = excluded.sources
                    """
            ).execute(arguments: [key, sources.joined(separator: ",")])
            let canonicals = try String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT canonical FROM user_aliases WHERE workspace = ?"),
                arguments: [key])
            for canonical in canonicals { try Self.resolveDeclared(key, canonical, db) }
        }
    }

    /// Whether the store knows `user`: as a merged id, or with a profile, declared traits,
    /// identifiers or events.
    static func isKnown(_ workspace: Int64, _ user: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT EXISTS (SELECT 1 FROM user_aliases WHERE workspace = ?1 AND alias = ?2)
                        OR EXISTS (SELECT 1 FROM profiles WHERE workspace = ?1 AND user_id = ?2)
                        OR EXISTS (SELECT 1 FROM user_traits WHERE workspace = ?1 AND user_id = ?2)
                        OR EXISTS (SELECT 1 FROM user_identifiers INDEXED BY user_identifiers_by_user WHERE workspace = ?1 AND user_id = ?2)
                        OR EXISTS (SELECT 1 FROM events WHERE workspace = ?1 AND user_id = ?2)
                    """),
            arguments: [workspace, user]) ?? false
    }
}
