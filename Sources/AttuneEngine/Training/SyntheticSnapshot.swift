import AttuneCore
import AttuneML

extension ModelSnapshot {
    /// An ALS snapshot of random factors, for measuring what serving a model of a given size
    /// costs (`attune bench memory`) without training one: users `u0`, `u1`, … and items `i0`, …,
    /// factors uniform in [-0.1, 0.1), and `interactionsPerUser` distinct random training items per
    /// user (serving needs a history to personalise from, and never recommends it back).
    package static func syntheticALS(
        users: Int, items: Int, factors: Int = 64, interactionsPerUser: Int = 5, seed: UInt64 = 42,
        version: Int = 1, workspace: WorkspaceID = .default, createdAt: Timestamp = Timestamp(millisecondsSinceEpoch: 0)
    ) throws -> ModelSnapshot {
        precondition(users > 0 && items > 0 && factors > 0 && interactionsPerUser >= 0, "a synthetic model needs a positive size")
        var generator = SeededGenerator(seed: seed)
        let perUser = min(interactionsPerUser, items)
        var rows = [Int32]()
        var columns = [Int32]()
        rows.reserveCapacity(users * perUser)
        columns.reserveCapacity(users * perUser)
        var picked = Set<Int32>(minimumCapacity: perUser)
        for user in 0..<users {
            picked.removeAll(keepingCapacity: true)
            while picked.count < perUser { picked.insert(Int32(generator.nextIndex(below: items))) }
            for item in picked.sorted() {
                rows.append(Int32(user))
                columns.append(item)
            }
        }
        let seen = try SparseMatrix(rowCount: users, columnCount: items, rows: rows, columns: columns)
        let userFactors = DenseMatrix.random(rowCount: users, columnCount: factors, scale: 0.2, offset: -0.5, using: &generator)
        let itemFactors = DenseMatrix.random(rowCount: items, columnCount: factors, scale: 0.2, offset: -0.5, using: &generator)
        let als = try ImplicitALS(configuration: .init(factors: factors), userFactors: userFactors, itemFactors: itemFactors)
        return ModelSnapshot(
            version: version, workspace: workspace, createdAt: createdAt,
            metadata: .object([("family", .string(ModelFamily.als.rawValue)), ("synthetic", .bool(true))]),
            users: Vocabulary((0..<users).lazy.map { "u\($0)" }), items: Vocabulary((0..<items).lazy.map { "i\($0)" }),
            seen: seen, model: TrainedRecommender(family: .als, model: als))
    }
}
