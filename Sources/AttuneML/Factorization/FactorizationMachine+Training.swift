extension FactorizationMachine {
    /// Trains on implicit positive events with uniformly drawn unseen items as negatives.
    ///
    /// Each epoch draws `events.count` events uniformly. Under ``Loss/bpr`` each drawn event `(u, i, c)`
    /// and a uniform item `j` that `u` has no event with give one pairwise step on
    /// `−ln σ(ŷ(u, i, c) − ŷ(u, j, c))`; under ``Loss/logistic`` one step towards 1 on `(u, i, c)` and
    /// ``Configuration/negativeSamples`` steps towards 0 on `(u, j, c)`. Several threads update the
    /// shared parameters without locks (Hogwild!, Niu et al., NIPS 2011): with one thread a seed
    /// gives identical parameters; with more, runs differ slightly.
    ///
    /// - FactorizationParameters:
    ///   - events: the positives; users and items index the layout's rows.
    ///   - layout: user and item feature rows (kept in the model for ``Recommender`` scoring).
    ///   - featureCount: n, the number of features (e.g. ``FeatureEncoder/featureCount``).
    ///   - configuration: hyper-parameters.
    ///   - threads: lock-free SGD workers; 1 is fully deterministic.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration, an empty item row or a
    ///   non-finite value; `AttuneMLError.indexOutOfRange` on a user, item or feature outside its range.
    /// - Complexity: O(iterations · events · (1 + negatives) · k · m), m the entries of one example.
    package static func fit(
        events: FeedbackEvents, layout: FactorizationLayout, featureCount: Int, configuration: Configuration,
        threads: Int = 1
    ) throws -> FactorizationMachine {
        var model = try FactorizationMachine(untrained: configuration, featureCount: featureCount, layout: layout)
        if let contexts = events.contexts { try contexts.validate(featureCount: featureCount, allowEmptyRows: true) }
        let users = layout.users.count
        let items = layout.items.count
        for (u, i) in zip(events.users, events.items) where u < 0 || Int(u) >= users || i < 0 || Int(i) >= items {
            throw AttuneMLError.indexOutOfRange("event (\(u), \(i)) outside \(users) users x \(items) items")
        }
        guard events.count > 0, items > 1 else { return model }
        let seen = try SparseMatrix(rowCount: users, columnCount: items, rows: events.users, columns: events.items)
        let samples = Sampler(events: events, layout: layout, seen: seen, configuration: configuration)
        model.runEpochs(count: events.count, threads: threads) { rng, count, parameters in
            samples.run(count, rng: &rng, parameters)
        }
        try model.checkFinite()
        return model
    }

    /// Trains on labelled examples under ``Loss/logistic`` (labels in [0, 1]): logged impressions
    /// with clicks and non-clicks, or the hybrid's stacking examples (features = other models' scores).
    ///
    /// Each epoch draws `examples.count` examples uniformly; threads as in
    /// ``fit(events:layout:featureCount:configuration:threads:)``.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration, ``Loss/bpr`` (pairs need
    ///   events), an empty example, a non-finite value or a label outside [0, 1];
    ///   `AttuneMLError.dimensionMismatch` when labels and examples differ in number;
    ///   `AttuneMLError.indexOutOfRange` on a feature outside `0..<featureCount`.
    /// - Complexity: O(iterations · examples · k · m).
    package static func fit(
        examples: FeatureRows, labels: [Float], featureCount: Int, configuration: Configuration, threads: Int = 1,
        layout: FactorizationLayout = FactorizationLayout()
    ) throws -> FactorizationMachine {
        var model = try FactorizationMachine(untrained: configuration, featureCount: featureCount, layout: layout)
        guard configuration.loss == .logistic else {
            throw AttuneMLError.invalidArgument("labelled examples train the logistic loss; bpr needs events")
        }
        guard labels.count == examples.count else {
            throw AttuneMLError.dimensionMismatch("\(labels.count) labels for \(examples.count) examples")
        }
        try examples.validate(featureCount: featureCount)
        guard labels.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw AttuneMLError.invalidArgument("labels must lie in [0, 1]")
        }
        guard examples.count > 0 else { return model }
        let c = configuration
        model.runEpochs(count: examples.count, threads: threads) { rng, count, p in
            examples.offsets.withUnsafeBufferPointer { off in
                examples.indices.withUnsafeBufferPointer { idx in
                    examples.values.withUnsafeBufferPointer { val in
                        labels.withUnsafeBufferPointer { y in
                            var sums = [Float](repeating: 0, count: c.factors)
                            sums.withUnsafeMutableBufferPointer { s in
                                for _ in 0..<count {
                                    let e = rng.nextIndex(below: examples.count)
                                    let lo = off[e]
                                    let example: FactorizationParameters.Part = (
                                        idx.baseAddress! + lo, val.baseAddress! + lo, off[e + 1] - lo
                                    )
                                    let none: FactorizationParameters.Part = (idx.baseAddress!, val.baseAddress!, 0)
                                    p.pointwiseStep(
                                        example, none, none, label: y[e], sums: s.baseAddress!, configuration: c)
                                }
                            }
                        }
                    }
                }
            }
        }
        try model.checkFinite()
        return model
    }

    /// Runs `configuration.iterations` epochs of `count` samples split over `threads` workers,
    /// each with its own generator stream, all writing the shared parameters.
    private mutating func runEpochs(
        count: Int, threads: Int, body: @Sendable (inout SeededGenerator, Int, FactorizationParameters) -> Void
    ) {
        let workers = Swift.max(1, Swift.min(threads, 64))
        var generator = SeededGenerator(seed: configuration.seed)
        // Skip the stream the initial factors used, so sampling does not replay it.
        generator = generator.split(stream: -1)
        var bias = [self.bias]
        let k = configuration.factors
        let iterations = configuration.iterations
        linear.withUnsafeMutableBufferPointer { w in
            featureFactors.values.withUnsafeMutableBufferPointer { v in
                bias.withUnsafeMutableBufferPointer { b in
                    // Workers share these pointers and may race on a row (Hogwild): examples are
                    // sparse, so collisions are rare and a lost update only costs a little progress.
                    let parameters = FactorizationParameters(
                        bias: SharedMutablePointer(b.baseAddress!), linear: SharedMutablePointer(w.baseAddress!),
                        factors: SharedMutablePointer(v.baseAddress!), k: k)
                    for epoch in 0..<iterations where !TrainingStop.requested {
                        let epochGenerator = generator.split(stream: epoch)
                        ParallelRange.forEachChunk(count: workers, threads: workers, chunksPerThread: 1) { _, range in
                            for worker in range {
                                var rng = epochGenerator.split(stream: worker)
                                let n = count / workers + (worker < count % workers ? 1 : 0)
                                body(&rng, n, parameters)
                            }
                        }
                    }
                }
            }
        }
        self.bias = bias[0]
    }

    /// SGD can diverge with a too-large step; a model with NaN would rank at random silently.
    private func checkFinite() throws {
        guard bias.isFinite, linear.allSatisfy(\.isFinite), featureFactors.values.allSatisfy(\.isFinite) else {
            throw AttuneMLError.invalidArgument("training diverged; lower learningRate")
        }
    }
}

/// Raw views of a model's parameters for the SGD workers.
struct FactorizationParameters: Sendable {
    let bias: SharedMutablePointer<Float>
    let linear: SharedMutablePointer<Float>
    let factors: SharedMutablePointer<Float>
    let k: Int

    typealias Part = (indices: UnsafePointer<Int32>, values: UnsafePointer<Float>, count: Int)

    /// One log-loss step on the example formed by joining parts `a`, `b` and `c` (any may be empty);
    /// `sums` is k floats of scratch. Parts are passed one by one, not as an array, so that a step
    /// allocates nothing.
    @inline(__always)
    func pointwiseStep(
        _ a: Part, _ b: Part, _ c: Part, label: Float, sums: UnsafeMutablePointer<Float>,
        configuration cfg: FactorizationMachine.Configuration
    ) {
        let w = linear.base
        let v = factors.base
        for f in 0..<k { sums[f] = 0 }
        let (la, qa) = FactorizationKernels.accumulate(a.indices, a.values, a.count, w: w, v: v, k: k, sums: sums)
        let (lb, qb) = FactorizationKernels.accumulate(b.indices, b.values, b.count, w: w, v: v, k: k, sums: sums)
        let (lc, qc) = FactorizationKernels.accumulate(c.indices, c.values, c.count, w: w, v: v, k: k, sums: sums)
        let y = bias.base[0] + la + lb + lc + 0.5 * (VectorKernels.dot(sums, sums, count: k) - qa - qb - qc)
        // ∂/∂ŷ of −[t ln σ(ŷ) + (1 − t) ln(1 − σ(ŷ))] is σ(ŷ) − t.
        let g = FactorizationKernels.sigmoid(y) - label
        let lr = cfg.learningRate
        bias.base[0] -= lr * (g + cfg.biasRegularization * bias.base[0])
        FactorizationKernels.step(
            a.indices, a.values, a.count, g: g, learningRate: lr, linearRegularization: cfg.linearRegularization,
            regularization: cfg.regularization, sums: sums, w: w, v: v, k: k)
        FactorizationKernels.step(
            b.indices, b.values, b.count, g: g, learningRate: lr, linearRegularization: cfg.linearRegularization,
            regularization: cfg.regularization, sums: sums, w: w, v: v, k: k)
        FactorizationKernels.step(
            c.indices, c.values, c.count, g: g, learningRate: lr, linearRegularization: cfg.linearRegularization,
            regularization: cfg.regularization, sums: sums, w: w, v: v, k: k)
    }

    /// One BPR step: the shared `user` and `context` parts with a positive and a negative item part.
    /// `scratch` is 3k floats.
    ///
    /// With `a` the shared sums and `bᵢ`, `bⱼ` the items', `d = ŷᵢ − ŷⱼ` needs no shared linear or
    /// pairwise term (they cancel). The shared factors' gradient is `−σ(−d)·x·(bᵢ − bⱼ)` and their
    /// weights' is zero, so only the factors of the shared entries move.
    @inline(__always)
    func pairwiseStep(
        user: Part, context: Part, positive: Part, negative: Part, scratch: UnsafeMutablePointer<Float>,
        configuration c: FactorizationMachine.Configuration
    ) {
        let w = linear.base
        let v = factors.base
        let sp = scratch
        let sn = scratch + k
        let diff = scratch + 2 * k
        for f in 0..<(3 * k) { scratch[f] = 0 }
        let (linP, sqP) = FactorizationKernels.accumulate(
            positive.indices, positive.values, positive.count, w: w, v: v, k: k, sums: sp)
        let (linN, sqN) = FactorizationKernels.accumulate(
            negative.indices, negative.values, negative.count, w: w, v: v, k: k, sums: sn)
        for f in 0..<k { diff[f] = sp[f] - sn[f] }
        // The shared sums go into both totals (diff already holds bᵢ − bⱼ).
        _ = FactorizationKernels.accumulate(user.indices, user.values, user.count, w: w, v: v, k: k, sums: sp)
        _ = FactorizationKernels.accumulate(context.indices, context.values, context.count, w: w, v: v, k: k, sums: sp)
        for f in 0..<k { sn[f] = sp[f] - diff[f] }
        // ½(‖a+bᵢ‖² − ‖a+bⱼ‖²) = pair(bᵢ) − pair(bⱼ) + ⟨a, bᵢ − bⱼ⟩ once the items' squares are removed.
        let d =
            linP - linN + 0.5 * (VectorKernels.dot(sp, sp, count: k) - VectorKernels.dot(sn, sn, count: k) - sqP + sqN)
        let z = 1 - FactorizationKernels.sigmoid(d)  // σ(−d)
        let lr = c.learningRate
        sharedStep(user, z: z, decay: 1 - lr * c.regularization, rate: lr, direction: diff)
        sharedStep(context, z: z, decay: 1 - lr * c.regularization, rate: lr, direction: diff)
        FactorizationKernels.step(
            positive.indices, positive.values, positive.count, g: -z, learningRate: lr,
            linearRegularization: c.linearRegularization, regularization: c.regularization, sums: sp, w: w, v: v, k: k)
        FactorizationKernels.step(
            negative.indices, negative.values, negative.count, g: z, learningRate: lr,
            linearRegularization: c.linearRegularization, regularization: c.regularization, sums: sn, w: w, v: v, k: k)
    }
}

extension FactorizationParameters {
    /// `vⱼ ← (1 − ηλ)vⱼ + η·z·xⱼ·(bᵢ − bⱼ)` for the entries of a shared part.
    @inline(__always)
    func sharedStep(_ part: Part, z: Float, decay: Float, rate: Float, direction: UnsafePointer<Float>) {
        let v = factors.base
        var p = 0
        while p < part.count {
            FactorizationKernels.scaleAdd(
                decay, v + Int(part.indices[p]) &* k, rate * z * part.values[p], direction, k: k)
            p &+= 1
        }
    }
}

/// Draws training samples from events and runs the configured step on each.
///
/// The inputs are copied once per fit into raw buffers so that the SGD loop indexes plain pointers
/// without reopening a dozen arrays per worker. `@unchecked Sendable` is safe: the buffers are
/// written only in `init`, only read while workers run, and freed in `deinit` after the fit.
private final class Sampler: @unchecked Sendable {
    /// Raw views of one ``FeatureRows``.
    struct Rows {
        let offsets: UnsafeMutableBufferPointer<Int>
        let indices: UnsafeMutableBufferPointer<Int32>
        let values: UnsafeMutableBufferPointer<Float>

        init(_ rows: FeatureRows) {
            offsets = Sampler.copy(rows.offsets)
            indices = Sampler.copy(rows.indices)
            values = Sampler.copy(rows.values)
        }

        @inline(__always)
        func part(_ row: Int) -> FactorizationParameters.Part {
            let lo = offsets[row]
            return (
                UnsafePointer(indices.baseAddress! + lo), UnsafePointer(values.baseAddress! + lo), offsets[row + 1] - lo
            )
        }

        func deallocate() {
            offsets.deallocate()
            indices.deallocate()
            values.deallocate()
        }
    }

    let users: Rows
    let items: Rows
    /// One row per event, or a single row shared by all.
    let contexts: Rows
    let sharedContext: Bool
    let eventUsers: UnsafeMutableBufferPointer<Int32>
    let eventItems: UnsafeMutableBufferPointer<Int32>
    /// The users x items matrix of events, for rejecting negatives the user has.
    let seenOffsets: UnsafeMutableBufferPointer<Int>
    let seenColumns: UnsafeMutableBufferPointer<Int32>
    let eventCount: Int
    let itemCount: Int
    let configuration: FactorizationMachine.Configuration

    init(
        events: FeedbackEvents, layout: FactorizationLayout, seen: SparseMatrix,
        configuration: FactorizationMachine.Configuration
    ) {
        users = Rows(layout.users)
        items = Rows(layout.items)
        contexts = Rows(events.contexts ?? FeatureRows([layout.context]))
        sharedContext = events.contexts == nil
        eventUsers = Self.copy(events.users)
        eventItems = Self.copy(events.items)
        seenOffsets = Self.copy(seen.rowOffsets)
        seenColumns = Self.copy(seen.columnIndices)
        eventCount = events.count
        itemCount = layout.items.count
        self.configuration = configuration
    }

    deinit {
        users.deallocate()
        items.deallocate()
        contexts.deallocate()
        eventUsers.deallocate()
        eventItems.deallocate()
        seenOffsets.deallocate()
        seenColumns.deallocate()
    }

    /// A copy with at least one element, so that even an empty array has a base address (a
    /// zero-length part points there and never reads it).
    static func copy<T: Numeric>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: Swift.max(1, array.count))
        buffer[0] = 0
        _ = buffer.initialize(from: array)
        return buffer
    }

    /// Whether user `u` has an event with item `j`.
    @inline(__always)
    func hasSeen(_ u: Int, _ j: Int) -> Bool {
        FactorizationKernels.contains(seenColumns.baseAddress!, from: seenOffsets[u], to: seenOffsets[u + 1], Int32(j))
    }

    /// `count` SGD steps of one worker.
    func run(_ count: Int, rng: inout SeededGenerator, _ p: FactorizationParameters) {
        var scratch = [Float](repeating: 0, count: 3 * configuration.factors)
        scratch.withUnsafeMutableBufferPointer { buffer in
            let s = buffer.baseAddress!
            for _ in 0..<count {
                let e = rng.nextIndex(below: eventCount)
                let u = Int(eventUsers[e])
                let user = users.part(u)
                let context = contexts.part(sharedContext ? 0 : e)
                let positive = items.part(Int(eventItems[e]))
                switch configuration.loss {
                case .bpr:
                    let j = rng.nextIndex(below: itemCount)
                    // A sampled "negative" the user actually has would push a positive down: skip it.
                    if hasSeen(u, j) { continue }
                    p.pairwiseStep(
                        user: user, context: context, positive: positive, negative: items.part(j),
                        scratch: s, configuration: configuration)
                case .logistic:
                    p.pointwiseStep(user, context, positive, label: 1, sums: s, configuration: configuration)
                    for _ in 0..<configuration.negativeSamples {
                        let j = rng.nextIndex(below: itemCount)
                        if hasSeen(u, j) { continue }
                        p.pointwiseStep(user, context, items.part(j), label: 0, sums: s, configuration: configuration)
                    }
                }
            }
        }
    }
}
