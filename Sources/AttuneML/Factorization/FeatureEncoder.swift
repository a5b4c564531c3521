/// Turns `"field=value"` strings (`user=42`, `device=mobile`, `hour=13`, `price_band=2`) into the
/// dense feature indices a ``FactorizationMachine`` reads, so the engine can feed any context.
///
/// Two modes: a growing ``Vocabulary`` (exact, one index per distinct string, kept with the model)
/// or the hashing trick into a fixed number of buckets (Weinberger et al., "Feature Hashing for
/// Large Scale Multitask Learning", ICML 2009), which needs no stored dictionary and never meets an
/// unknown feature, at the price of rare collisions.
package struct FeatureEncoder: Sendable {
    private enum Storage: Sendable {
        case vocabulary(Vocabulary<String>)
        case hashing(buckets: Int)
    }

    private var storage: Storage

    /// An exact encoder whose indices are handed out in first-seen order.
    package init() {
        storage = .vocabulary(Vocabulary())
    }

    /// A hashing encoder.
    /// - Parameter buckets: the number of features (> 0 and at most `Int32.max`).
    /// - Throws: `AttuneMLError.invalidArgument` on a bad bucket count.
    package init(hashingInto buckets: Int) throws {
        guard buckets > 0, buckets <= Int(Int32.max) else {
            throw AttuneMLError.invalidArgument("hashing buckets must be in 1...\(Int32.max)")
        }
        storage = .hashing(buckets: buckets)
    }

    /// The feature key of a field and value: `"field=value"`.
    package static func key(_ field: String, _ value: some CustomStringConvertible) -> String {
        "\(field)=\(value)"
    }

    /// The number of features: the vocabulary size, or the bucket count.
    package var featureCount: Int {
        switch storage {
        case .vocabulary(let vocabulary): vocabulary.count
        case .hashing(let buckets): buckets
        }
    }

    /// Whether the encoder hashes (every key has an index) rather than looks keys up.
    package var isHashing: Bool {
        if case .hashing = storage { return true }
        return false
    }

    /// The index of `key`, adding it to the vocabulary if new (training time).
    @discardableResult
    package mutating func insert(_ key: String) -> Int32 {
        switch storage {
        case .vocabulary(var vocabulary):
            // Take the vocabulary out of the enum so that inserting does not copy it.
            storage = .hashing(buckets: 1)
            let index = vocabulary.insert(key)
            storage = .vocabulary(vocabulary)
            return index
        case .hashing(let buckets):
            return Self.bucket(of: key, buckets: buckets)
        }
    }

    /// The index of `key`, or `nil` when the vocabulary has never seen it (serving time: an unseen
    /// context value carries no learned weight, so it is dropped rather than guessed).
    package func index(of key: String) -> Int32? {
        switch storage {
        case .vocabulary(let vocabulary): vocabulary.index(of: key)
        case .hashing(let buckets): Self.bucket(of: key, buckets: buckets)
        }
    }

    /// The key of a vocabulary index, or `nil` (always `nil` when hashing: hashes do not invert).
    package func key(at index: Int32) -> String? {
        if case .vocabulary(let vocabulary) = storage { return vocabulary.key(at: index) }
        return nil
    }

    /// Encodes keys with weights (1 each when `values` is `nil`), adding unseen keys.
    package mutating func encode(_ keys: [String], values: [Float]? = nil) -> FeatureVector {
        precondition(values == nil || values!.count == keys.count, "one value per key")
        var out = FeatureVector()
        for (n, key) in keys.enumerated() { out.append(insert(key), values?[n] ?? 1) }
        return out
    }

    /// Encodes keys with weights, dropping keys the encoder has never seen.
    package func encodeKnown(_ keys: [String], values: [Float]? = nil) -> FeatureVector {
        precondition(values == nil || values!.count == keys.count, "one value per key")
        var out = FeatureVector()
        for (n, key) in keys.enumerated() {
            if let index = index(of: key) { out.append(index, values?[n] ?? 1) }
        }
        return out
    }

    /// 64-bit FNV-1a of the UTF-8 bytes, reduced to a bucket. Swift's `Hasher` is seeded per
    /// process, so it would map a key to another bucket after every restart; this hash is stable.
    static func bucket(of key: String, buckets: Int) -> Int32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return Int32(truncatingIfNeeded: h % UInt64(buckets))
    }
}
