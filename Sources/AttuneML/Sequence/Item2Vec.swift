import RealModule

/// Item embeddings learned from users' item sequences, and a recommender built on them.
///
/// Item2vec (Barkan & Koenigstein, "Item2Vec: Neural item embedding for collaborative filtering",
/// MLSP 2016) treats each user's time-ordered items as a sentence and trains word2vec's skip-gram
/// with negative sampling on it (Mikolov, Sutskever, Chen, Corrado, Dean, "Distributed
/// representations of words and phrases and their compositionality", NIPS 2013): for each item and
/// each neighbour within a window, raise `σ(v_ctx · u_item)` and lower `σ(v_ctx · u_neg)` for
/// `negatives` items drawn from the unigram distribution raised to 0.75. As in the reference
/// implementation, the window is shrunk by a random amount per position (near neighbours count
/// more), frequent items are randomly dropped (subsampling, `keep = (√(f/t) + 1) · t/f` for an item
/// of frequency `f`), and the step size decays linearly to 0.01% of its start.
///
/// Threads share the vectors without locks (Niu, Recht, Ré, Wright, "Hogwild!", NIPS 2011), as
/// word2vec does: with one thread a seed gives identical vectors; with more, runs differ slightly.
///
/// Similarity is the cosine of the input vectors. A user is scored by the recency-weighted sum of
/// the cosines between each item and their latest items (``Configuration/recentItems``).
package struct Item2Vec: Recommender, Equatable {
    /// Hyper-parameters, saved with the model. The defaults are the ones chosen on the MovieLens
    /// 100k validation split: a window wider than most sequences (item2vec's "whole set as context")
    /// and more epochs than word2vec's default, since item sequences are short and few.
    package struct Configuration: Sendable, Equatable {
        /// Width of the item vectors.
        package var dimensions: Int
        /// Largest distance between an item and a context item in a sequence.
        package var window: Int
        /// Negative items per positive pair.
        package var negatives: Int
        /// Passes over all sequences.
        package var epochs: Int
        /// Starting SGD step size, decayed linearly.
        package var learningRate: Float
        /// Subsampling threshold `t`; items more frequent than it are randomly dropped. 0 keeps all.
        package var subsampling: Double
        /// The exponent of the negative-sampling distribution (0.75 in word2vec).
        package var unigramExponent: Double
        /// Seeds the initial vectors, the sampling and the window shrinking.
        package var seed: UInt64
        /// How many of a user's latest items form their profile.
        package var recentItems: Int
        /// How older items among those are discounted.
        package var decay: RecencyDecay

        package init(
            dimensions: Int = 32, window: Int = 50, negatives: Int = 5, epochs: Int = 20, learningRate: Float = 0.025,
            subsampling: Double = 1e-3, unigramExponent: Double = 0.75, seed: UInt64 = 42, recentItems: Int = 20,
            decay: RecencyDecay = .position(halfLife: 5)
        ) {
            self.dimensions = dimensions
            self.window = window
            self.negatives = negatives
            self.epochs = epochs
            self.learningRate = learningRate
            self.subsampling = subsampling
            self.unigramExponent = unigramExponent
            self.seed = seed
            self.recentItems = recentItems
            self.decay = decay
        }

        /// - Throws: `AttuneMLError.invalidArgument` naming the first bad field.
        package func validate() throws {
            guard dimensions > 0 else { throw AttuneMLError.invalidArgument("dimensions must be positive") }
            guard window > 0 else { throw AttuneMLError.invalidArgument("window must be positive") }
            guard negatives >= 0 else { throw AttuneMLError.invalidArgument("negatives must be non-negative") }
            guard epochs >= 0 else { throw AttuneMLError.invalidArgument("epochs must be non-negative") }
            guard learningRate > 0, learningRate.isFinite else {
                throw AttuneMLError.invalidArgument("learningRate must be positive")
            }
            guard subsampling >= 0, subsampling.isFinite else {
                throw AttuneMLError.invalidArgument("subsampling must be non-negative")
            }
            guard unigramExponent >= 0, unigramExponent.isFinite else {
                throw AttuneMLError.invalidArgument("unigramExponent must be non-negative")
            }
            guard recentItems > 0 else { throw AttuneMLError.invalidArgument("recentItems must be positive") }
            try decay.validate()
        }
    }

    package let configuration: Configuration
    /// items x dimensions: the trained input vectors (zero for items absent from training).
    package let itemVectors: DenseMatrix
    /// users x items: the recency weight of each of a training user's latest items.
    package let userWeights: SparseMatrix
    /// Training occurrences per item: the ranking for users without a usable history.
    package let popularity: [Float]
    /// ``itemVectors`` scaled to unit length, so dot products are cosines.
    private let unitVectors: DenseMatrix

    package var itemCount: Int { itemVectors.rowCount }
    package var userCount: Int { userWeights.rowCount }

    /// Assembles a model from trained vectors.
    /// - Throws: `AttuneMLError.dimensionMismatch` when shapes disagree,
    ///   `AttuneMLError.invalidArgument` on a bad configuration.
    package init(configuration: Configuration, itemVectors: DenseMatrix, userWeights: SparseMatrix, popularity: [Float])
        throws
    {
        try configuration.validate()
        guard itemVectors.columnCount == configuration.dimensions, userWeights.columnCount == itemVectors.rowCount,
            popularity.count == itemVectors.rowCount
        else {
            throw AttuneMLError.dimensionMismatch("item vectors, user weights and popularity disagree")
        }
        self.configuration = configuration
        self.itemVectors = itemVectors
        self.userWeights = userWeights
        self.popularity = popularity
        var unit = itemVectors
        let d = configuration.dimensions
        unit.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<itemVectors.rowCount {
                let row = v.baseAddress! + r * d
                let norm = VectorKernels.norm(row, count: d)
                if norm > 0 { for k in 0..<d { row[k] /= norm } }
            }
        }
        unitVectors = unit
    }

    /// Trains the item vectors on chronological item sequences.
    ///
    /// - Parameters:
    ///   - sequences: per user, item indices oldest first (also the training users for scoring).
    ///   - itemCount: the catalogue size.
    ///   - timestamps: per user, aligned with `sequences`; needed only by `.time` decay.
    ///   - configuration: see ``Configuration``.
    ///   - threads: lock-free SGD workers over disjoint groups of sequences; 1 is deterministic.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration,
    ///   `AttuneMLError.indexOutOfRange` on an item outside `0..<itemCount`.
    /// - Complexity: O(epochs · N · window · (negatives + 1) · dimensions) for N interactions.
    package static func fit(
        sequences: [[Int32]], itemCount: Int, timestamps: [[Int64]]? = nil, configuration: Configuration = .init(),
        threads: Int = 1
    ) throws -> Item2Vec {
        try configuration.validate()
        guard itemCount >= 0 else { throw AttuneMLError.invalidArgument("itemCount must be non-negative") }
        var counts = [Double](repeating: 0, count: itemCount)
        for s in sequences {
            for i in s {
                guard i >= 0, Int(i) < itemCount else {
                    throw AttuneMLError.indexOutOfRange("item \(i) of \(itemCount)")
                }
                counts[Int(i)] += 1
            }
        }
        let d = configuration.dimensions
        var generator = SeededGenerator(seed: configuration.seed)
        // word2vec's start: inputs uniform in ±0.5/d, outputs zero.
        var input = DenseMatrix.random(
            rowCount: itemCount, columnCount: d, scale: 1 / Float(d), offset: -0.5,
            using: &generator)
        var output = DenseMatrix(rowCount: itemCount, columnCount: d)
        let total = counts.reduce(0, +)
        if total > 0, configuration.epochs > 0 {
            let negativeTable = try AliasTable(weights: counts.map { Double.pow($0, configuration.unigramExponent) })
            let keep = counts.map { c -> Float in
                let t = configuration.subsampling
                guard t > 0, c > 0 else { return 1 }
                let f = c / total
                return Float(Swift.min(1, ((f / t).squareRoot() + 1) * t / f))
            }
            train(
                sequences: sequences, input: &input, output: &output, keep: keep, negativeTable: negativeTable,
                totalTokens: Int(total), configuration: configuration, generator: generator, threads: threads)
        }
        // Items never seen keep no random direction: a zero vector has cosine 0 with everything.
        for i in 0..<itemCount where counts[i] == 0 {
            for k in 0..<d { input[i, k] = 0 }
        }
        let weights = try configuration.decay.userItemWeights(
            sequences: sequences, timestamps: timestamps, itemCount: itemCount, limit: configuration.recentItems)
        return try Item2Vec(
            configuration: configuration, itemVectors: input, userWeights: weights,
            popularity: counts.map { Float($0) })
    }

    /// σ is read from a table over [−6, 6], as word2vec does: the exponential would be the costliest
    /// instruction of the inner loop, and the table's 0.012-wide steps are far finer than SGD noise.
    static let sigmoidRange: Float = 6
    static let sigmoidTableSize = 1000
    static let sigmoidScale = Float(sigmoidTableSize) / (2 * sigmoidRange)
    /// `σ` at the centre of each table cell.
    static let sigmoidTable: [Float] = (0..<sigmoidTableSize).map { k in
        let x = (Float(k) + 0.5) / sigmoidScale - sigmoidRange
        return 1 / (1 + Float.exp(-x))
    }

    /// Splits sequences into `workers` contiguous groups of about equal interaction counts.
    static func partition(_ sequences: [[Int32]], workers: Int) -> [Range<Int>] {
        let total = sequences.reduce(0) { $0 + $1.count }
        var ranges: [Range<Int>] = []
        var start = 0
        var done = 0
        for w in 0..<workers {
            let target = total * (w + 1) / workers
            var end = start
            while end < sequences.count && (done < target || w == workers - 1) {
                done += sequences[end].count
                end += 1
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    private static func train(
        sequences: [[Int32]], input: inout DenseMatrix, output: inout DenseMatrix, keep: [Float],
        negativeTable: AliasTable, totalTokens: Int, configuration c: Configuration, generator: SeededGenerator,
        threads: Int
    ) {
        let workers = Swift.max(1, Swift.min(threads, 64, sequences.count))
        let groups = partition(sequences, workers: workers)
        let groupTokens = groups.map { r in r.reduce(0) { $0 + sequences[$1].count } }
        let d = c.dimensions
        let plannedTokens = Double(c.epochs) * Double(totalTokens)
        input.values.withUnsafeMutableBufferPointer { inBuf in
            output.values.withUnsafeMutableBufferPointer { outBuf in
                // Workers share inP/outP and may race on a row (Hogwild), as BPR's workers do: each
                // update touches a few rows of a large table, so collisions are rare and a lost update
                // only costs a little progress.
                let inP = SharedMutablePointer(inBuf.baseAddress!)
                let outP = SharedMutablePointer(outBuf.baseAddress!)
                for epoch in 0..<c.epochs where !TrainingStop.requested {
                    let epochGenerator = generator.split(stream: epoch)
                    ParallelRange.forEachChunk(count: workers, threads: workers, chunksPerThread: 1) { _, range in
                        for worker in range {
                            var rng = epochGenerator.split(stream: worker)
                            // Each worker estimates global progress from its own share, so the step size
                            // follows the same schedule whatever the thread count, without shared counters.
                            let share = Double(Swift.max(1, groupTokens[worker]))
                            let context = Worker(
                                input: inP.base, output: outP.base, d: d, window: c.window, negatives: c.negatives)
                            let sigmoid = sigmoidTable
                            var scratch = [Float](repeating: 0, count: d)
                            var kept: [Int32] = []
                            var processed = 0
                            sigmoid.withUnsafeBufferPointer { sigmoidP in
                                keep.withUnsafeBufferPointer { keepP in
                                    negativeTable.probability.withUnsafeBufferPointer { prob in
                                        negativeTable.alias.withUnsafeBufferPointer { alias in
                                            scratch.withUnsafeMutableBufferPointer { neu1e in
                                                for s in groups[worker] {
                                                    let sequence = sequences[s]
                                                    let progress =
                                                        (Double(epoch) * Double(totalTokens)
                                                            + Double(processed) / share * Double(totalTokens))
                                                        / plannedTokens
                                                    let lr = c.learningRate * Float(Swift.max(1e-4, 1 - progress))
                                                    processed += sequence.count
                                                    kept.removeAll(keepingCapacity: true)
                                                    for item in sequence {
                                                        let p = keepP[Int(item)]
                                                        if p >= 1 || rng.nextUnitFloat() < p { kept.append(item) }
                                                    }
                                                    kept.withUnsafeBufferPointer { k in
                                                        context.trainSequence(
                                                            k, learningRate: lr, rng: &rng, probability: prob,
                                                            alias: alias,
                                                            sigmoid: sigmoidP, neu1e: neu1e.baseAddress!)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The SGD state one worker reads: raw pointers into the shared vectors.
    private struct Worker {
        let input: UnsafeMutablePointer<Float>
        let output: UnsafeMutablePointer<Float>
        let d: Int
        let window: Int
        let negatives: Int

        /// One skip-gram pass over a (subsampled) sequence, as word2vec's `sg` branch: each context
        /// item's input vector is pushed towards the centre item's output vector and away from the
        /// negatives' output vectors.
        @inline(__always)
        func trainSequence(
            _ items: UnsafeBufferPointer<Int32>, learningRate lr: Float, rng: inout SeededGenerator,
            probability: UnsafeBufferPointer<Float>, alias: UnsafeBufferPointer<Int32>,
            sigmoid: UnsafeBufferPointer<Float>, neu1e: UnsafeMutablePointer<Float>
        ) {
            let n = items.count
            let tableSize = probability.count
            for position in 0..<n {
                let centre = Int(items[position])
                // word2vec's random window shrink: effective radius in 1...window.
                let radius = window - rng.nextIndex(below: window)
                let lo = Swift.max(0, position - radius)
                let hi = Swift.min(n - 1, position + radius)
                var c = lo
                while c <= hi {
                    defer { c += 1 }
                    if c == position { continue }
                    let contextVector = input + Int(items[c]) * d
                    neu1e.update(repeating: 0, count: d)
                    var sample = 0
                    while sample <= negatives {
                        let target: Int
                        let label: Float
                        if sample == 0 {
                            target = centre
                            label = 1
                        } else {
                            let slot = rng.nextIndex(below: tableSize)
                            target = rng.nextUnitFloat() < probability[slot] ? slot : Int(alias[slot])
                            label = 0
                        }
                        sample += 1
                        if label == 0 && target == centre { continue }
                        let targetVector = output + target * d
                        let f = VectorKernels.dot(contextVector, targetVector, count: d)
                        // Gradient of log σ(±f), with σ saturated beyond |f| >= 6 as in word2vec.
                        // Written so that a NaN (diverged training) reads 0 instead of trapping.
                        let sigma: Float =
                            f >= Item2Vec.sigmoidRange
                            ? 1
                            : (f > -Item2Vec.sigmoidRange
                                ? sigmoid[Int((f + Item2Vec.sigmoidRange) * Item2Vec.sigmoidScale)] : 0)
                        let g = (label - sigma) * lr
                        VectorKernels.axpy(g, targetVector, neu1e, count: d)
                        VectorKernels.axpy(g, contextVector, targetVector, count: d)
                    }
                    VectorKernels.axpy(1, neu1e, contextVector, count: d)
                }
            }
        }
    }

    // MARK: Similarity

    /// The cosine of two items' vectors (0 when either was absent from training).
    package func similarity(_ a: Int, _ b: Int) -> Float {
        let d = configuration.dimensions
        return unitVectors.values.withUnsafeBufferPointer { v in
            VectorKernels.dot(v.baseAddress! + a * d, v.baseAddress! + b * d, count: d)
        }
    }

    /// The `k` items most similar to `item` (itself excluded), most similar first, ties by index.
    /// - Throws: `AttuneMLError.indexOutOfRange` on an unknown item, `AttuneMLError.invalidArgument`
    ///   when `k <= 0`.
    /// - Complexity: O(items · dimensions + items log k).
    package func similarItems(to item: Int, k: Int) throws -> [(item: Int32, similarity: Float)] {
        guard item >= 0, item < itemCount else { throw AttuneMLError.indexOutOfRange("item \(item) of \(itemCount)") }
        guard k > 0 else { throw AttuneMLError.invalidArgument("k must be positive") }
        var scores = [Float](repeating: 0, count: itemCount)
        unitVectors.values.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { s in
                FactorScoring.score(
                    userVector: v.baseAddress! + item * configuration.dimensions,
                    itemFactors: unitVectors, itemBias: [], into: s)
            }
        }
        var selector = TopKSelector(k: k)
        return selector.select(scores: scores, excluding: [Int32(item)]).map { (item: $0, similarity: scores[Int($0)]) }
    }

    // MARK: Recommendation

    /// The profile `Σ wᵣ ûᵣ` of weighted items; false when it is empty.
    private func profile(
        items: UnsafeBufferPointer<Int32>, weights: UnsafeBufferPointer<Float>,
        into p: UnsafeMutablePointer<Float>
    ) -> Bool {
        let d = configuration.dimensions
        p.update(repeating: 0, count: d)
        var any = false
        unitVectors.values.withUnsafeBufferPointer { v in
            for (h, item) in items.enumerated() {
                let i = Int(item)
                guard i >= 0, i < itemCount, popularity[i] > 0 else { continue }
                let w = h < weights.count ? weights[h] : 1
                guard w != 0, w.isFinite else { continue }
                VectorKernels.axpy(w, v.baseAddress! + i * d, p, count: d)
                any = true
            }
        }
        return any
    }

    /// Scores every item by `Σᵣ wᵣ cos(r, j)` over the user's latest items `r`.
    ///
    /// A trained user (`user` in `0..<userCount`) uses the recency weights of their last
    /// ``Configuration/recentItems`` training items. Any other user uses `history` with `values`
    /// as weights (for recency, pass ``RecencyDecay/weights(count:timestamps:)`` of the
    /// chronological order). Without any trained item in the history, scores are training popularity.
    /// - Complexity: O((recent + items) · dimensions).
    package func score(
        user: Int?, history: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        var p = [Float](repeating: 0, count: configuration.dimensions)
        let usable = p.withUnsafeMutableBufferPointer { pp -> Bool in
            if let u = user, u >= 0, u < userCount {
                let lo = userWeights.rowOffsets[u]
                let hi = userWeights.rowOffsets[u + 1]
                return userWeights.columnIndices.withUnsafeBufferPointer { c in
                    userWeights.values.withUnsafeBufferPointer { v in
                        profile(
                            items: UnsafeBufferPointer(rebasing: c[lo..<hi]),
                            weights: UnsafeBufferPointer(rebasing: v[lo..<hi]), into: pp.baseAddress!)
                    }
                }
            }
            return profile(items: history, weights: values, into: pp.baseAddress!)
        }
        guard usable else {
            _ = scores.update(fromContentsOf: popularity)
            return
        }
        p.withUnsafeBufferPointer {
            FactorScoring.score(userVector: $0.baseAddress!, itemFactors: unitVectors, itemBias: [], into: scores)
        }
    }

    // MARK: Persistence

    private static let tag = "I2VM"

    /// A compact little-endian blob; see ``BinaryWriter``.
    package func serialized() -> [UInt8] {
        var w = BinaryWriter(tag: Self.tag, version: 1)
        let c = configuration
        w.write(Int64(c.dimensions))
        w.write(Int64(c.window))
        w.write(Int64(c.negatives))
        w.write(Int64(c.epochs))
        w.write(c.learningRate)
        w.write(c.subsampling)
        w.write(c.unigramExponent)
        w.write(c.seed)
        w.write(Int64(c.recentItems))
        c.decay.write(to: &w)
        w.write(itemVectors)
        w.write(userWeights)
        w.write(popularity)
        return w.bytes
    }

    /// - Throws: `AttuneMLError.corruptData` / `unsupportedVersion` on a bad blob.
    package init(serialized bytes: [UInt8]) throws {
        var r = try BinaryReader(bytes, tag: Self.tag, maxVersion: 1)
        let c = Configuration(
            dimensions: Int(try r.read(Int64.self)), window: Int(try r.read(Int64.self)),
            negatives: Int(try r.read(Int64.self)), epochs: Int(try r.read(Int64.self)),
            learningRate: try r.readFloat(),
            subsampling: try r.readDouble(), unigramExponent: try r.readDouble(), seed: try r.read(UInt64.self),
            recentItems: Int(try r.read(Int64.self)), decay: try RecencyDecay(from: &r))
        let vectors = try r.readDenseMatrix()
        let weights = try r.readSparseMatrix()
        let popularity = try r.readFloats()
        try r.expectEnd()
        do {
            try self.init(configuration: c, itemVectors: vectors, userWeights: weights, popularity: popularity)
        } catch {
            throw AttuneMLError.corruptData("stored configuration does not match the vectors")
        }
    }
}
