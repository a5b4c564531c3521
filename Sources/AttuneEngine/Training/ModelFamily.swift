import AttuneML

/// The recommenders `attune train` can build. Hyper-parameter names match across models and are
/// saved with each snapshot.
package enum ModelFamily: String, Sendable, CaseIterable {
    case popular
    case knn
    case als
    case bpr
    /// TF-IDF over item title, description, categories and tags, and/or item embeddings the user
    /// imported (needs one of the two).
    case content
    /// Skip-gram item embeddings from each user's time-ordered items.
    case item2vec
    /// A second-order factorisation machine over user and item ids plus their attributes (traits,
    /// categories, tags, property bands), trained on the pairwise ranking loss.
    case fm
    /// The per-user normalised blend of the other families, weights learned on validation.
    case hybrid
    /// Tries every single family on the validation split and keeps the best.
    case best

    /// The single families `best` and `hybrid` choose among, cheapest first.
    package static let single: [ModelFamily] = [.popular, .knn, .als, .bpr, .content, .item2vec, .fm]
}

/// What a candidate trains on: the weighted matrix plus what sequence and content models need.
package struct TrainingInput: Sendable {
    package var matrix: SparseMatrix
    /// Per user, distinct items in chronological order.
    package var sequences: [[Int32]]
    /// Seconds since the epoch, aligned with `sequences`.
    package var timestamps: [[Int64]]
    /// Item text and user-supplied vectors, in the log's item order.
    package var content: ItemContent
    /// User and item attributes as feature keys, for the factorisation machine.
    package var side = SideFeatures()

    package var itemCount: Int { matrix.columnCount }

    /// Presence only: neighbour and pairwise models treat any interaction as one.
    var binary: SparseMatrix { matrix.mapValues { $0 > 0 ? 1 : 0 } }
}

/// One point of a hyper-parameter grid.
package struct ModelCandidate: Sendable {
    package var family: ModelFamily
    /// Hyper-parameters by name, as saved with the model.
    package var parameters: [(String, Double)]
    package var fit: @Sendable (_ input: TrainingInput, _ threads: Int) throws -> any PersistableRecommender

    package var label: String {
        family.rawValue + "(" + parameters.map { "\($0.0)=\(formatParameter($0.1))" }.joined(separator: ", ") + ")"
    }
}

/// Float hyper-parameters widened through their shortest decimal form, so 0.01 is saved as 0.01
/// and not 0.009999999776482582.
func decimal(_ v: Float) -> Double { Double("\(v)") ?? Double(v) }

func formatParameter(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

/// A trained model of any family, serialisable.
package struct TrainedRecommender: Sendable {
    package var family: ModelFamily
    package var model: any PersistableRecommender

    package init(family: ModelFamily, model: any PersistableRecommender) {
        self.family = family
        self.model = model
    }

    package var recommender: any Recommender { model }

    /// The models a blend (linear or stacked) is made of, or the model itself: where serving
    /// looks for item factors and neighbour lists.
    package var components: [any Recommender] {
        if let hybrid = model as? HybridRecommender { return hybrid.components }
        if let stacked = model as? StackedRecommender { return stacked.components }
        return [model]
    }

    package func serialized() -> [UInt8] { model.serialized() }

    /// Loads a model blob; its header names the kind.
    package init(family: ModelFamily, bytes: [UInt8]) throws {
        guard bytes.count >= 8, let tag = String(validating: bytes[4..<8], as: UTF8.self),
            let kind = HybridRecommender.loadableKinds.first(where: { $0.modelTag == tag })
        else { throw AttuneMLError.corruptData("model of an unknown kind") }
        self.init(family: family, model: try kind.init(serialized: bytes))
    }

    /// Loads the model blob that starts where `reader` stands and ends the file (see
    /// ``PersistableRecommender/init(continuing:)``).
    package init(family: ModelFamily, continuing reader: BinaryReader) throws {
        let head = try reader.peek(8)
        guard head.count == 8, let tag = String(validating: head[4..<8], as: UTF8.self),
            let kind = HybridRecommender.loadableKinds.first(where: { $0.modelTag == tag })
        else { throw AttuneMLError.corruptData("model of an unknown kind") }
        self.init(family: family, model: try kind.init(continuing: reader))
    }
}

/// The hyper-parameter grids searched on the validation split, most promising first so that a
/// time budget cut keeps the good ones.
package enum ModelGrid {
    /// - Parameter smallerDimension: min(users, items) of the training data; factor models use at
    ///   most an eighth of it as factors, so small data is not fitted exactly (which would score
    ///   every unseen item alike).
    package static func candidates(
        for family: ModelFamily, quick: Bool = false, smallerDimension: Int = .max,
        content: ItemContent.Availability = .text, interactionCount: Int = .max
    ) -> [ModelCandidate] {
        let factors = max(4, min(64, smallerDimension / 8))
        switch family {
        case .popular:
            return [ModelCandidate(family: .popular, parameters: []) { input, _ in PopularityModel.fit(interactions: input.matrix) }]
        case .knn:
            var out: [ModelCandidate] = []
            for beta in quick ? [0.25] : [0.25, 0, 0.5] as [Float] {
                for k in quick ? [200] : [200, 100, 300] {
                    for shrink in quick ? [0] : [0, 10] as [Float] {
                        let c = ItemKNN.Configuration(neighbors: k, shrinkage: shrink, userWeightExponent: beta)
                        out.append(ModelCandidate(
                            family: .knn,
                            parameters: [("neighbors", Double(k)), ("shrinkage", decimal(shrink)), ("userWeightExponent", decimal(beta))]
                        ) { input, threads in try ItemKNN.fit(interactions: input.binary, configuration: c, threads: threads) })
                    }
                }
            }
            return out
        case .als:
            var out: [ModelCandidate] = []
            for alpha in quick ? [5] : [1, 5, 2, 10] as [Float] {
                for reg in quick ? [0.1] : [0.01, 0.05, 0.1] as [Float] {
                    let c = ImplicitALS.Configuration(factors: factors, regularization: reg, alpha: alpha, iterations: 15, seed: 42)
                    out.append(ModelCandidate(
                        family: .als,
                        parameters: [("factors", Double(factors)), ("regularization", decimal(reg)), ("alpha", decimal(alpha)), ("iterations", 15)]
                    ) { input, threads in try ImplicitALS.fit(interactions: input.matrix, configuration: c, threads: threads) })
                }
            }
            return out
        case .bpr:
            var out: [ModelCandidate] = []
            for (lr, it) in quick ? [(0.05, 100)] : [(0.05, 200), (0.05, 100), (0.01, 100), (0.01, 200)] as [(Float, Int)] {
                for reg in quick ? [0.01] : [0.01, 0.001] as [Float] {
                    let c = BPR.Configuration(factors: factors, learningRate: lr, regularization: reg, iterations: it, seed: 42)
                    out.append(ModelCandidate(
                        family: .bpr,
                        parameters: [("factors", Double(factors)), ("learningRate", decimal(lr)), ("regularization", decimal(reg)), ("iterations", Double(it))]
                    ) { input, _ in
                        // One thread: BPR is then deterministic for the seed.
                        try BPR.fit(interactions: input.binary, configuration: c, threads: 1)
                    })
                }
            }
            return out
        case .content:
            // 0 is text only, 1 embeddings only; in between the cosine blends the two.
            let shares: [Float]
            switch content {
            case .none: return []
            case .text: shares = [0]
            case .embeddings: shares = [1]
            case .both: shares = quick ? [0.5] : [0.5, 0, 1]
            }
            var out: [ModelCandidate] = []
            for halfLife in quick ? [5] : [5, 3, 10, 0] as [Double] {
                for popularity in quick ? [1e-6] : [1e-6, 0] as [Float] {
                    for share in shares {
                        let decay: RecencyDecay = halfLife > 0 ? .position(halfLife: halfLife) : .none
                        let c = ContentRecommender.Configuration(decay: decay, embeddingWeight: share, popularityWeight: popularity)
                        var parameters = [("positionHalfLife", halfLife), ("popularityWeight", decimal(popularity))]
                        if share > 0 { parameters.append(("embeddingWeight", decimal(share))) }
                        out.append(ModelCandidate(family: .content, parameters: parameters) { input, _ in
                            try ContentRecommender.fit(
                                sequences: input.sequences, itemFeatures: share < 1 ? input.content.text : nil,
                                itemEmbeddings: share > 0 ? input.content.embeddings : nil, configuration: c)
                        })
                    }
                }
            }
            return out
        case .item2vec:
            var out: [ModelCandidate] = []
            // Subsampling frequent items (word2vec's 1e-3) pays on large logs; on a small one it
            // throws away most of the few training pairs there are.
            let subsampling = interactionCount < 50_000 ? 0 : 1e-3
            for (dimensions, epochs) in quick ? [(32, 10)] : [(32, 20), (64, 20), (32, 10)] as [(Int, Int)] {
                let c = Item2Vec.Configuration(
                    dimensions: dimensions, window: 50, negatives: 5, epochs: epochs, subsampling: subsampling, seed: 42)
                out.append(ModelCandidate(
                    family: .item2vec,
                    parameters: [("dimensions", Double(dimensions)), ("epochs", Double(epochs)), ("window", 50), ("subsampling", subsampling)]
                ) { input, _ in
                    // One thread: deterministic for the seed.
                    try Item2Vec.fit(sequences: input.sequences, itemCount: input.itemCount, timestamps: input.timestamps,
                                     configuration: c, threads: 1)
                })
            }
            return out
        case .fm:
            var out: [ModelCandidate] = []
            for (reg, epochs) in quick ? [(0.01, 120)] : [(0.01, 120), (0.03, 120), (0.01, 200), (0.03, 200), (0.001, 60)] as [(Float, Int)] {
                let c = FactorizationMachine.Configuration(
                    factors: factors, learningRate: 0.05, regularization: reg, linearRegularization: 0.001,
                    iterations: epochs, loss: .bpr, seed: 42)
                out.append(ModelCandidate(
                    family: .fm,
                    parameters: [("factors", Double(factors)), ("learningRate", 0.05), ("regularization", decimal(reg)), ("iterations", Double(epochs))]
                ) { input, _ in
                    // One thread: deterministic for the seed.
                    try FactorizationMachineInput.fit(input, configuration: c, threads: 1)
                })
            }
            return out
        case .best, .hybrid:
            return ModelFamily.single.flatMap {
                candidates(
                    for: $0, quick: quick, smallerDimension: smallerDimension, content: content,
                    interactionCount: interactionCount)
            }
        }
    }
}
