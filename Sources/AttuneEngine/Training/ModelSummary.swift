import AttuneCore
import AttuneML
import Foundation

/// What a stored model version is, without its factors: read from the head of the snapshot file,
/// so listing versions costs kilobytes per version, not the whole model.
package struct ModelSummary: Sendable, Equatable {
    package var version: Int
    package var createdAt: Timestamp
    package var family: String
    /// Family, parameters, validation metrics, counts, time range, timings (as saved).
    package var metadata: JSONValue

    /// Bytes read from the head of the file; a snapshot whose metadata is longer is read whole.
    static let headBytes = 16 << 10

    /// Parses the fields ``ModelSnapshot/serialized()`` writes first.
    /// - Throws: `AttuneMLError` when `bytes` is not the head of a snapshot or is too short.
    package init(head bytes: [UInt8]) throws {
        var reader = try BinaryReader(bytes, tag: ModelSnapshot.tag, maxVersion: ModelSnapshot.formatVersion)
        version = Int(try reader.read(UInt64.self))
        _ = try reader.readString()
        createdAt = Timestamp(millisecondsSinceEpoch: try reader.read(Int64.self))
        metadata = try JSONParser().parse(try reader.readString())
        family = try reader.readString()
    }
}

extension ModelFiles {
    /// The summary of a stored version, or `nil` when there is no such file.
    /// - Throws: when the file is not a readable snapshot.
    package func summary(version: Int, in workspace: WorkspaceID) throws -> ModelSummary? {
        let url = folder(workspace).appendingPathComponent("v\(version).model")
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        let head = try handle.read(upToCount: ModelSummary.headBytes) ?? Data()
        if let summary = try? ModelSummary(head: Array(head)) { return summary }
        // Metadata longer than the head (or a damaged file): the whole file decides.
        try handle.seek(toOffset: 0)
        return try ModelSummary(head: Array(try handle.readToEnd() ?? Data()))
    }
}
