import AttuneCore
import AttuneML

extension ModelSnapshot {
    /// Vocabulary keys of erased users start with this: a control character, which no valid user
    /// id contains, so a lookup by id can never find the row again.
    package static let erasedUserPrefix = "\u{1}erased:"

    /// Whether a vocabulary key is an erased user's placeholder rather than a user id.
    package static func isErasedPlaceholder(_ key: String) -> Bool { key.hasPrefix(erasedUserPrefix) }

    /// The snapshot with the users whose key `isErased` replaced by placeholders, or `nil` when
    /// none of them is in it. The rows stay (indices must not shift) but nothing can reach them by
    /// id, so the user is served as unknown; the next training leaves them out entirely.
    package func redactingUsers(where isErased: (String) -> Bool) -> ModelSnapshot? {
        var keys = users.keys
        var changed = false
        for (index, key) in keys.enumerated() where !Self.isErasedPlaceholder(key) && isErased(key) {
            keys[index] = Self.erasedUserPrefix + String(index)
            changed = true
        }
        guard changed else { return nil }
        var copy = self
        copy.users = Vocabulary(keys)
        return copy
    }

    /// The user's learned vector in the model's factor components (ALS, BPR, or the factor
    /// models a blend holds), or `nil` when no component keeps one for them.
    package func userVector(of user: String) -> [Float]? {
        guard let index = users.index(of: user) else { return nil }
        for component in model.components {
            let factors: DenseMatrix?
            switch component {
            case let als as ImplicitALS: factors = als.userFactors
            case let bpr as BPR: factors = bpr.userFactors
            default: factors = nil
            }
            if let factors, Int(index) < factors.rowCount { return factors.row(Int(index)) }
        }
        return nil
    }
}
