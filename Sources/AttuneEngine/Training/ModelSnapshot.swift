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

    private static let tag = "ATSN"
    private static let formatVersion: UInt16 = 1

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
        Self.write(workspace.rawValue, into: &writer)
        writer.write(createdAt.millisecondsSinceEpoch)
        Self.write(metadata.serialized(sortedKeys: true), into: &writer)
        Self.write(model.family.rawValue, into: &writer)
        writer.write(UInt64(users.count))
        for key in users.keys { Self.write(key, into: &writer) }
        writer.write(UInt64(items.count))
        for key in items.keys { Self.write(key, into: &writer) }
        writer.write(seen)
        let body = model.serialized()
        writer.write(UInt64(body.count))
        var bytes = writer.bytes
        bytes.append(contentsOf: body)
        return bytes
    }

    package init(serialized bytes: [UInt8]) throws {
        var reader = try BinaryReader(bytes, tag: Self.tag, maxVersion: Self.formatVersion)
        version = Int(try reader.read(UInt64.self))
        workspace = try WorkspaceID(validating: try Self.readString(&reader))
        createdAt = Timestamp(millisecondsSinceEpoch: try reader.read(Int64.self))
        metadata = try JSONParser().parse(try Self.readString(&reader))
        guard let family = ModelFamily(rawValue: try Self.readString(&reader)) else {
            throw AttuneMLError.corruptData("unknown model family")
        }
        var userKeys: [String] = []
        for _ in 0..<Int(try reader.read(UInt64.self)) { userKeys.append(try Self.readString(&reader)) }
        var itemKeys: [String] = []
        for _ in 0..<Int(try reader.read(UInt64.self)) { itemKeys.append(try Self.readString(&reader)) }
        users = Vocabulary(userKeys)
        items = Vocabulary(itemKeys)
        seen = try reader.readSparseMatrix()
        let bodyCount = Int(try reader.read(UInt64.self))
        let start = bytes.count - bodyCount
        guard bodyCount >= 0, start >= 0 else { throw AttuneMLError.corruptData("truncated snapshot") }
        model = try TrainedRecommender(family: family, bytes: Array(bytes[start...]))
        guard seen.rowCount == users.count, seen.columnCount == items.count, model.recommender.itemCount == items.count else {
            throw AttuneMLError.corruptData("snapshot parts disagree on their sizes")
        }
    }

    private static func write(_ text: String, into writer: inout BinaryWriter) {
        let utf8 = Array(text.utf8)
        writer.write(UInt64(utf8.count))
        for byte in utf8 { writer.write(byte) }
    }

    private static func readString(_ reader: inout BinaryReader) throws -> String {
        let count = Int(try reader.read(UInt64.self))
        guard count >= 0, count < 1 << 30 else { throw AttuneMLError.corruptData("string length \(count)") }
        var utf8 = [UInt8]()
        utf8.reserveCapacity(count)
        for _ in 0..<count { utf8.append(try reader.read(UInt8.self)) }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw AttuneMLError.corruptData("invalid UTF-8") }
        return text
    }
}
