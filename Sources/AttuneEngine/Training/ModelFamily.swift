import AttuneML

/// The recommenders `attune train` can build. Hyper-parameter names match across models and are
/// saved with each snapshot.
package enum ModelFamily: String, Sendable, CaseIterable {
    case popular
    case knn
    case als
    case bpr
    /// Tries every family on the validation split and keeps the best.
    case best

    /// The concrete families `best` chooses among, cheapest first.
    package static let trainable: [ModelFamily] = [.popular, .knn, .als, .bpr]
}

/// One point of a hyper-parameter grid.
package struct ModelCandidate: Sendable {
    package var family: ModelFamily
    /// Hyper-parameters by name, as saved with the model.
    package var parameters: [(String, Double)]
    package var fit: @Sendable (_ interactions: SparseMatrix, _ threads: Int) throws -> TrainedRecommender

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
package enum TrainedRecommender: Sendable {
    case popular(PopularityModel)
    case knn(ItemKNN)
    case als(ImplicitALS)
    case bpr(BPR)

    package var recommender: any Recommender {
        switch self {
        case .popular(let m): m
        case .knn(let m): m
        case .als(let m): m
        case .bpr(let m): m
        }
    }

    package var family: ModelFamily {
        switch self {
        case .popular: .popular
        case .knn: .knn
        case .als: .als
        case .bpr: .bpr
        }
    }

    package func serialized() -> [UInt8] {
        switch self {
        case .popular(let m): m.serialized()
        case .knn(let m): m.serialized()
        case .als(let m): m.serialized()
        case .bpr(let m): m.serialized()
        }
    }

    package init(family: ModelFamily, bytes: [UInt8]) throws {
        switch family {
        case .popular: self = .popular(try PopularityModel(serialized: bytes))
        case .knn: self = .knn(try ItemKNN(serialized: bytes))
        case .als: self = .als(try ImplicitALS(serialized: bytes))
        case .bpr: self = .bpr(try BPR(serialized: bytes))
        case .best: throw AttuneMLError.corruptData("a snapshot names no concrete model family")
        }
    }
}

/// The hyper-parameter grids searched on the validation split, most promising first so that a
/// time budget cut keeps the good ones.
package enum ModelGrid {
    /// - Parameter smallerDimension: min(users, items) of the training data; factor models use at
    ///   most an eighth of it as factors, so small data is not fitted exactly (which would score
    ///   every unseen item alike).
    package static func candidates(for family: ModelFamily, quick: Bool = false, smallerDimension: Int = .max) -> [ModelCandidate] {
        let factors = max(4, min(64, smallerDimension / 8))
        switch family {
        case .popular:
            return [ModelCandidate(family: .popular, parameters: []) { m, _ in .popular(PopularityModel.fit(interactions: m)) }]
        case .knn:
            var out: [ModelCandidate] = []
            for beta in quick ? [0.25] : [0.25, 0, 0.5] as [Float] {
                for k in quick ? [200] : [200, 100, 300] {
                    for shrink in quick ? [0] : [0, 10] as [Float] {
                        let c = ItemKNN.Configuration(neighbors: k, shrinkage: shrink, userWeightExponent: beta)
                        out.append(ModelCandidate(
                            family: .knn,
                            parameters: [("neighbors", Double(k)), ("shrinkage", decimal(shrink)), ("userWeightExponent", decimal(beta))]
                        ) { m, threads in .knn(try ItemKNN.fit(interactions: Self.binary(m), configuration: c, threads: threads)) })
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
                    ) { m, threads in .als(try ImplicitALS.fit(interactions: m, configuration: c, threads: threads)) })
                }
            }
            return out
        case .bpr:
            var out: [ModelCandidate] = []
            for (lr, it) in quick ? [(0.05, 100)] : [(0.05, 200), (0.05, 100), (0.01, 100), (0.01, 200)] as [(Float, Int)] {
                for reg in quick ? [0.01] : [0.01, 0.001] as [Float] {
                    // One thread: BPR is then deterministic for the seed.
                    let c = BPR.Configuration(factors: factors, learningRate: lr, regularization: reg, iterations: it, seed: 42)
                    out.append(ModelCandidate(
                        family: .bpr,
                        parameters: [("factors", Double(factors)), ("learningRate", decimal(lr)), ("regularization", decimal(reg)), ("iterations", Double(it))]
                    ) { m, _ in .bpr(try BPR.fit(interactions: Self.binary(m), configuration: c, threads: 1)) })
                }
            }
            return out
        case .best:
            return ModelFamily.trainable.flatMap { candidates(for: $0, quick: quick, smallerDimension: smallerDimension) }
        }
    }

    /// Presence only: neighbour and pairwise models treat any interaction as one.
    static func binary(_ m: SparseMatrix) -> SparseMatrix {
        m.mapValues { $0 > 0 ? 1 : 0 }
    }
}
