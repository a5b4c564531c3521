import AttuneCore

/// Dense item vectors supplied by the user (from a text or image encoder, for instance), which the
/// content model can use beside or instead of TF-IDF.
///
/// All vectors of a workspace share one dimension, fixed by the first vector stored; a vector of
/// another dimension is refused (``clearEmbeddings(in:)`` first to change encoders).
package protocol EmbeddingStore: Sendable {
    /// Inserts or replaces the vectors of these items, all or none; with `replacingExisting`, the
    /// workspace's other vectors are deleted in the same transaction.
    /// - Throws: `AttuneError` with code `conflict` when a dimension differs from the stored one or
    ///   within the batch; `invalidValue` for an empty or non-finite vector.
    func putEmbeddings(
        _ vectors: [(item: ItemID, vector: [Float])], in workspace: WorkspaceID, replacingExisting: Bool
    ) async throws

    /// The stored vectors among `ids`; items without one are left out.
    func embeddings(_ ids: [ItemID], in workspace: WorkspaceID) async throws -> [ItemID: [Float]]

    /// The workspace's dimension and number of vectors; `nil` when it has none.
    func embeddingSummary(in workspace: WorkspaceID) async throws -> (dimension: Int, count: Int)?

    /// Deletes every vector of the workspace; returns how many there were.
    @discardableResult
    func clearEmbeddings(in workspace: WorkspaceID) async throws -> Int
}

extension EmbeddingStore {
    package func putEmbeddings(_ vectors: [(item: ItemID, vector: [Float])], in workspace: WorkspaceID) async throws {
        try await putEmbeddings(vectors, in: workspace, replacingExisting: false)
    }
}

/// The checks every store applies before writing vectors.
package enum EmbeddingValidation {
    /// Longer vectors than any common encoder produces are a mistake (or an attack on memory).
    package static let maxDimension = 4_096

    /// The batch's common dimension.
    /// - Throws: as ``EmbeddingStore/putEmbeddings(_:in:)`` documents.
    package static func dimension(of vectors: [(item: ItemID, vector: [Float])], stored: Int?) throws -> Int? {
        var dimension = stored
        for (item, vector) in vectors {
            guard !vector.isEmpty, vector.count <= maxDimension else {
                throw AttuneError.invalid("vector", "item \(item.rawValue): a vector needs 1 to \(maxDimension) numbers")
            }
            guard vector.allSatisfy(\.isFinite) else {
                throw AttuneError.invalid("vector", "item \(item.rawValue): every number must be finite")
            }
            if let d = dimension, d != vector.count {
                throw AttuneError(
                    code: .conflict,
                    message: "item \(item.rawValue) has \(vector.count) numbers but the workspace's vectors have \(d)"
                        + (stored == nil ? "" : "; clear them first to change encoders"))
            }
            dimension = vector.count
        }
        return dimension
    }
}
