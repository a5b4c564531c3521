import AttuneCore
import AttuneML

/// A trained model with everything needed to serve it: the id vocabularies, each user's training
/// items (never recommended back), and metadata (family, hyper-parameters, metrics, data range).
package struct ModelSnapshot: Sendable {
    package var version: Int
    package var workspace: WorkspaceID
    package var createdAt: Timestamp
    /// Canonical JSON: family, parameters, validation metrics, counts, time range, timings.
    package var metadata: JSONValue
    package var users: Vocabulary<String>
    package var items: Vocabulary<String>
    package var seen: SparseMatrix
    package var model: TrainedRecommender

    static let tag = "ATSN"
    static let formatVersion: UInt16 = 1

    package init(
        version: Int, workspace: WorkspaceID, createdAt: Timestamp, metadata: JSONValue, users: Vocabulary<String>,
        items: Vocabulary<String>, seen: SparseMatrix, model: TrainedRecommender
    ) {
        self.version = version
        self.workspace = workspace
        self.createdAt = createdAt
        self.metadata = metadata
        self.users = users
        self.items = items
        self.seen = seen
        self.model = model
    }

    package var family: ModelFamily { model.family }

    package func serialized() -> [UInt8] {
        var writer = BinaryWriter(tag: Self.tag, version: Self.formatVersion)
        writer.write(UInt64(version))
        writer.write(string: workspace.rawValue)
        writer.write(createdAt.millisecondsSinceEpoch)
        writer.write(string: metadata.serialized(sortedKeys: true))
        writer.write(string: model.family.rawValue)
        writer.write(strings: users.keys)
        writer.write(strings: items.keys)
        writer.write(seen)
        writer.write(bytes: model.serialized())
        return writer.bytes
    }

    package init(serialized bytes: [UInt8]) throws {
        try self.init(reading: try BinaryReader(bytes, tag: Self.tag, maxVersion: Self.formatVersion))
    }

    /// Reads a snapshot file field by field: its large arrays (the factors, the training matrix)
    /// go from the file straight into their final buffers, so loading holds one copy of each, never
    /// the file's bytes beside the model decoded from them.
    package init(file: BinaryFile) throws {
        try self.init(reading: try BinaryReader(file: file, tag: Self.tag, maxVersion: Self.formatVersion))
    }

    private init(reading start: BinaryReader) throws {
        var reader = start
        version = Int(try reader.read(UInt64.self))
        workspace = try WorkspaceID(validating: try reader.readString())
        createdAt = Timestamp(millisecondsSinceEpoch: try reader.read(Int64.self))
        metadata = try JSONParser().parse(try reader.readString())
        guard let family = ModelFamily(rawValue: try reader.readString()) else {
            throw AttuneMLError.corruptData("unknown model family")
        }
        users = Vocabulary(try reader.readStrings())
        items = Vocabulary(try reader.readStrings())
        seen = try reader.readSparseMatrix()
        let length = try reader.read(UInt64.self)
        guard length == UInt64(reader.remainingBytes) else {
            throw AttuneMLError.corruptData("the model blob does not end the snapshot")
        }
        model = try TrainedRecommender(family: family, continuing: reader)
        guard seen.rowCount == users.count, seen.columnCount == items.count, model.recommender.itemCount == items.count else {
            throw AttuneMLError.corruptData("snapshot parts disagree on their sizes")
        }
    }

    /// Item indices by how many training users have them, best first: the fallback for users the
    /// model cannot personalise.
    package func popularItems() -> [Int32] {
        let counts = PopularityModel.fit(interactions: seen)
        var selector = TopKSelector(k: items.count)
        return selector.select(scores: counts.itemScores)
    }
}
