import AttuneCore
import AttuneStore

/// The JSON of identifiers and merges, shared by the profile read, the merge routes and the export.
package enum IdentityJSON {
    /// Kind, value as stored (a keyed hash for e-mail and phone), source and first-seen time.
    package static func identifier(_ identifier: StoredIdentifier) -> JSONValue {
        .object([
            ("kind", .string(identifier.kind.rawValue)),
            ("value", .string(identifier.value)),
            ("hashed", .bool(identifier.kind.isHashed)),
            ("userId", .string(identifier.user.rawValue)),
            ("source", .string(identifier.source)),
            ("firstSeen", .string(identifier.firstSeen.iso8601)),
        ])
    }

    /// A "do not merge" pair: the person's id, the id it is kept apart from, the unmerge and its time.
    package static func mergeBlock(_ block: MergeBlock) -> JSONValue {
        .object([
            ("userId", .string(block.user.rawValue)),
            ("otherUserId", .string(block.other.rawValue)),
            ("mergeId", .number(Double(block.merge))),
            ("at", .string(block.at.iso8601)),
        ])
    }

    package static func merge(_ merge: UserMerge) -> JSONValue {
        .object([
            ("id", .number(Double(merge.id))),
            ("canonicalUserId", .string(merge.canonical.rawValue)),
            ("mergedUserId", .string(merge.merged.rawValue)),
            ("reason", .string(merge.reason)),
            ("actor", .string(merge.actor)),
            ("at", .string(merge.at.iso8601)),
            ("undoneAt", merge.undoneAt.map { .string($0.iso8601) } ?? .null),
            ("undoneBy", merge.undoneBy.map { .string($0) } ?? .null),
        ])
    }
}
