/// A recommender that saves itself to bytes and loads back with identical scores.
///
/// The four-byte `modelTag` is the one its blob header carries (see ``BinaryWriter``), which lets
/// a container such as ``HybridRecommender`` store components of any known kind.
package protocol PersistableRecommender: Recommender {
    /// The four ASCII bytes after `ATML` in the type's blobs.
    static var modelTag: String { get }
    /// The model as a self-describing little-endian blob.
    func serialized() -> [UInt8]
    /// Loads a blob written by ``serialized()``.
    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    init(serialized bytes: [UInt8]) throws
    /// Loads the blob that starts where `reader` stands and runs to its end (a model at the end of
    /// a snapshot file). The default reads the blob into memory; models with large factor arrays
    /// decode them straight from the reader's file.
    init(continuing reader: BinaryReader) throws
}

extension PersistableRecommender {
    package init(continuing reader: BinaryReader) throws {
        var reader = reader
        try self.init(serialized: try reader.readRawBytes(reader.remainingBytes))
    }
}

extension PopularityModel: PersistableRecommender { package static var modelTag: String { "POPU" } }
extension ItemKNN: PersistableRecommender { package static var modelTag: String { "IKNN" } }
extension ImplicitALS: PersistableRecommender { package static var modelTag: String { "IALS" } }
extension BPR: PersistableRecommender { package static var modelTag: String { "BPRM" } }
extension ContentRecommender: PersistableRecommender { package static var modelTag: String { "CONT" } }
extension Item2Vec: PersistableRecommender { package static var modelTag: String { "I2VM" } }
extension FactorizationMachine: PersistableRecommender { package static var modelTag: String { "FMCH" } }

extension HybridRecommender: PersistableRecommender {
    package static var modelTag: String { "HYBR" }

    /// The kinds of model a saved hybrid may contain.
    package static let loadableKinds: [any PersistableRecommender.Type] = [
        PopularityModel.self, ItemKNN.self, ImplicitALS.self, BPR.self, ContentRecommender.self, Item2Vec.self,
        FactorizationMachine.self, HybridRecommender.self, StackedRecommender.self,
    ]

    /// Serialises the weights and every component, or throws when one cannot be saved.
    /// - Throws: `AttuneMLError.invalidArgument` when a component is not a ``PersistableRecommender``.
    package func checkedSerialized() throws -> [UInt8] {
        guard savable else { throw AttuneMLError.invalidArgument("a hybrid component cannot be saved") }
        return serialized()
    }

    /// Serialises the weights and every component. Saving a hybrid with a component that is not a
    /// ``PersistableRecommender`` is a programming error: check ``savable`` or use
    /// ``checkedSerialized()``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.modelTag, version: 1)
        w.write(normalization.rawValue)
        w.write(weights)
        Self.writeComponents(components, to: &w)
        return w.bytes
    }

    /// Whether every component can be saved, so ``serialized()`` will succeed.
    package var savable: Bool { components.allSatisfy { $0 is any PersistableRecommender } }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob or a component of
    ///   an unknown kind.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.modelTag, maxVersion: 1)
        guard let normalization = Normalization(rawValue: try r.read(UInt8.self)) else {
            throw AttuneMLError.corruptData("unknown normalisation")
        }
        let weights = try r.readFloats()
        let components = try Self.readComponents(from: &r)
        try r.expectEnd()
        do {
            try self.init(components: components, weights: weights, normalization: normalization)
        } catch {
            throw AttuneMLError.corruptData("stored weights do not match the components")
        }
    }
}

extension HybridRecommender {
    /// Writes a count and each component's own blob (which names its kind). Saving a component
    /// that is not a ``PersistableRecommender`` is a programming error: check first.
    static func writeComponents(_ components: [any Recommender], to w: inout BinaryWriter) {
        w.write(UInt64(components.count))
        for c in components {
            guard let p = c as? any PersistableRecommender else {
                preconditionFailure("component \(type(of: c)) cannot be saved; check `savable` first")
            }
            w.write(bytes: p.serialized())
        }
    }

    /// Reads what ``writeComponents(_:to:)`` wrote.
    /// - Throws: `AttuneMLError.corruptData` on a component of an unknown kind or a bad blob.
    static func readComponents(from r: inout BinaryReader) throws -> [any Recommender] {
        let count = try r.readSize()
        var components: [any Recommender] = []
        for _ in 0..<count {
            let blob = try r.readBytes()
            guard blob.count >= 8, let tag = String(validating: blob[4..<8], as: UTF8.self),
                let kind = loadableKinds.first(where: { $0.modelTag == tag })
            else {
                throw AttuneMLError.corruptData("component of an unknown kind")
            }
            components.append(try kind.init(serialized: blob))
        }
        return components
    }
}
