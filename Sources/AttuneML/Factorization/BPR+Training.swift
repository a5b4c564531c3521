import RealModule

extension BPR {
    /// Trains on a users x items matrix (values ignored: every stored entry is a positive).
    ///
    /// An epoch draws `nnz` triples: an entry `(u, i)` uniformly from the stored entries (so users
    /// weigh by activity) and a negative `j` uniformly from the catalogue, skipping the update when
    /// `u` has `j`. This is the amount of work of one iteration of implicit's BPR, which draws `nnz`
    /// samples per iteration too.
    ///
    /// - Parameters:
    ///   - interactions: users x items, each row's columns sorted (as ``SparseMatrix`` keeps them).
    ///   - configuration: hyper-parameters.
    ///   - threads: lock-free SGD workers; 1 is fully deterministic.
    /// - Throws: `AttuneMLError.invalidArgument` on a bad configuration or a negative or non-finite value.
    /// - Complexity: O(iterations · nnz · (f + log d)) with d the user's row length (negative check).
    package static func fit(interactions: SparseMatrix, configuration: Configuration, threads: Int = 1) throws -> BPR {
        try configuration.validate()
        guard interactions.hasNonNegativeFiniteValues else {
            throw AttuneMLError.invalidArgument("interaction values must be finite and non-negative")
        }
        let f = configuration.factors
        let users = interactions.rowCount
        let items = interactions.columnCount
        var generator = SeededGenerator(seed: configuration.seed)
        // Centred, scaled by 1/f so initial scores are near zero whatever the width.
        let scale = 1 / Float(f)
        let nnz = interactions.nonZeroCount
        guard nnz > 0, items > 1, configuration.iterations > 0 else {
            let p = DenseMatrix.random(rowCount: users, columnCount: f, scale: scale, offset: -0.5, using: &generator)
            let q = DenseMatrix.random(rowCount: items, columnCount: f, scale: scale, offset: -0.5, using: &generator)
            return try BPR(configuration: configuration, userFactors: p, itemFactors: q, itemBias: [Float](repeating: 0, count: items))
        }
        // User and item of every stored entry in one word, so that drawing an entry costs one
        // cache miss instead of one in a row-owner array and one in the column array.
        var entries = [UInt64](repeating: 0, count: nnz)
        for u in 0..<users {
            for e in interactions.rowOffsets[u]..<interactions.rowOffsets[u + 1] {
                entries[e] = UInt64(u) << 32 | UInt64(UInt32(bitPattern: interactions.columnIndices[e]))
            }
        }
        let userRows = FactorRows(rowCount: users, factors: f, bias: false, scale: scale, using: &generator)
        let itemRows = FactorRows(rowCount: items, factors: f, bias: true, scale: scale, using: &generator)
        defer {
            userRows.deallocate()
            itemRows.deallocate()
        }
        let workers = Swift.max(1, Swift.min(threads, 64))
        let lr = configuration.learningRate
        let reg = configuration.regularization
        entries.withUnsafeBufferPointer { entryBuf in
        interactions.rowOffsets.withUnsafeBufferPointer { offsetBuf in
        interactions.columnIndices.withUnsafeBufferPointer { columnBuf in
            // Workers share the factors and may race on a row (Hogwild): updates are sparse, so
            // collisions are rare and a lost update only costs a little progress.
            let pass = SGDPass(
                entries: SharedPointer(entryBuf.baseAddress!), offsets: SharedPointer(offsetBuf.baseAddress!),
                columns: SharedPointer(columnBuf.baseAddress!), users: userRows.base, userStride: userRows.stride,
                items: itemRows.base, itemStride: itemRows.stride, entryCount: nnz, itemCount: items, factors: f,
                learningRate: lr, regularization: reg)
            for epoch in 0..<configuration.iterations where !TrainingStop.requested {
                let epochGenerator = generator.split(stream: epoch)
                ParallelRange.forEachChunk(count: workers, threads: workers, chunksPerThread: 1) { _, range in
                    for worker in range {
                        var rng = epochGenerator.split(stream: worker)
                        pass.run(samples: nnz / workers + (worker < nnz % workers ? 1 : 0), using: &rng)
                    }
                }
            }
        }}}
        // Released before the unpadded copies are made, so that they do not raise the peak memory.
        entries = []
        let p = userRows.matrix()
        let q = itemRows.matrix()
        let bias = itemRows.bias()
        return try BPR(configuration: configuration, userFactors: p, itemFactors: q, itemBias: bias)
    }
}

/// Factor rows during training, each padded to whole 64-byte lines from a line-aligned base and
/// optionally followed by a bias, so that an update touches only the row's own lines: a user or
/// item vector costs four lines at 64 factors instead of five, no line is shared with the
/// neighbouring row (which another worker may be writing), and the item bias needs no array
/// shared by every worker.
private struct FactorRows {
    let base: SharedMutablePointer<Float>
    let stride: Int
    let count: Int
    let factors: Int

    /// Entries drawn as ``DenseMatrix/random(rowCount:columnCount:scale:offset:using:)`` draws them,
    /// uniform in `[-scale/2, scale/2)` in row-major order; biases start at zero.
    init(rowCount: Int, factors: Int, bias: Bool, scale: Float, using generator: inout SeededGenerator) {
        self.factors = factors
        count = rowCount
        stride = (factors + (bias ? 1 : 0) + 15) / 16 * 16
        let size = Swift.max(1, count * stride)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size * 4, alignment: 64)
        let rows = raw.initializeMemory(as: Float.self, repeating: 0, count: size)
        for r in 0..<count {
            for k in 0..<factors { rows[r * stride + k] = (generator.nextUnitFloat() + -0.5) * scale }
        }
        base = SharedMutablePointer(rows)
    }

    /// The rows without padding, as a matrix.
    func matrix() -> DenseMatrix {
        var values = [Float](repeating: 0, count: count * factors)
        values.withUnsafeMutableBufferPointer { dst in
            for r in 0..<count {
                (dst.baseAddress! + r * factors).update(from: base.base + r * stride, count: factors)
            }
        }
        return try! DenseMatrix(rowCount: count, columnCount: factors, values: values)
    }

    /// The column after each row's factors.
    func bias() -> [Float] {
        (0..<count).map { base.base[$0 * stride + factors] }
    }

    func deallocate() {
        base.base.deallocate()
    }
}

/// One worker's SGD loop over shared parameters.
///
/// The loop is bound by memory latency, not arithmetic: at scale every triple misses the cache for
/// the drawn entry, the user's row offsets, the user's column list (negative check) and the
/// vectors, and each address depends on the load before. Plain loads of a later triple do not
/// help, since a missing load holds up every instruction after it until its data arrives. So the
/// loop is software-pipelined with prefetches, which do not wait: a triple is drawn `3·lookahead`
/// steps before its update and its entry and negative vector fetched; `2·lookahead` steps before,
/// its entry is read and the user's offsets and vector and the positive's vector fetched;
/// `lookahead` steps before, its row bounds are read and its column list fetched. The triples and
/// their order are those of the plain loop, so one thread stays deterministic under a seed.
struct SGDPass: Sendable {
    let entries: SharedPointer<UInt64>
    let offsets: SharedPointer<Int>
    let columns: SharedPointer<Int32>
    let users: SharedMutablePointer<Float>
    let userStride: Int
    let items: SharedMutablePointer<Float>
    let itemStride: Int
    let entryCount: Int
    let itemCount: Int
    let factors: Int
    let learningRate: Float
    let regularization: Float

    /// Steps between pipeline stages (16 measured no faster on the 5M-interaction synthetic set).
    static let lookahead = 8
    /// Ring slots, a power of two above the `3 · lookahead` triples in flight.
    static let ringSize = 32

    private struct Triple {
        var entry = 0
        var negative = 0
        var user = 0
        var item = 0
        var rowStart = 0
        var rowEnd = 0
    }

    func run(samples: Int, using rng: inout SeededGenerator) {
        withUnsafeTemporaryAllocation(of: Triple.self, capacity: Self.ringSize) { ring in
            ring.initialize(repeating: Triple())
            let ahead = Self.lookahead
            let mask = Self.ringSize - 1
            let f = factors
            let userBytes = f * 4, itemBytes = (f + 1) * 4
            let entries = self.entries.base, offsets = self.offsets.base, columns = self.columns.base
            let p = users.base, q = items.base
            for t in 0..<(samples + 3 * ahead) {
                if t < samples {
                    let e = rng.nextIndex(below: entryCount)
                    let negative = rng.nextIndex(below: itemCount)
                    ring[t & mask] = Triple(entry: e, negative: negative)
                    Prefetch.line(entries + e)
                    Prefetch.lines(q + negative * itemStride, bytes: itemBytes)
                }
                let b = t - ahead
                if b >= 0 && b < samples {
                    let pair = entries[ring[b & mask].entry]
                    let u = Int(pair >> 32)
                    let i = Int(UInt32(truncatingIfNeeded: pair))
                    ring[b & mask].user = u
                    ring[b & mask].item = i
                    Prefetch.line(offsets + u)
                    Prefetch.lines(p + u * userStride, bytes: userBytes)
                    Prefetch.lines(q + i * itemStride, bytes: itemBytes)
                }
                let c = t - 2 * ahead
                if c >= 0 && c < samples {
                    let u = ring[c & mask].user
                    let start = offsets[u], end = offsets[u + 1]
                    ring[c & mask].rowStart = start
                    ring[c & mask].rowEnd = end
                    Prefetch.line(columns + start)
                    Prefetch.line(columns + ((start + end) >> 1))
                    Prefetch.line(columns + (end - 1))
                }
                let k = t - 3 * ahead
                if k >= 0 { step(ring[k & mask], columns: columns, p: p, q: q) }
            }
        }
    }

    @inline(__always)
    private func step(_ s: Triple, columns: UnsafePointer<Int32>, p: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>) {
        // A sampled "negative" the user actually has would push a positive down: skip it.
        if Self.contains(columns, from: s.rowStart, to: s.rowEnd, Int32(truncatingIfNeeded: s.negative)) { return }
        let f = factors
        let pu = p + s.user * userStride
        let qi = q + s.item * itemStride
        let qj = q + s.negative * itemStride
        let x = Self.differenceDot(pu, qi, qj, count: f) + qi[f] - qj[f]
        let z = 1 / (1 + Float.exp(x))  // σ(−x) = ∂ ln σ(x) / ∂x
        let lr = learningRate, reg = regularization
        Self.update(pu, qi, qj, z: z, lr: lr, reg: reg, f: f)
        qi[f] += lr * (z - reg * qi[f])
        qj[f] += lr * (-z - reg * qj[f])
    }

    /// `pᵤ · (qᵢ − qⱼ)` in one pass over the three rows.
    @inline(__always)
    static func differenceDot(
        _ pu: UnsafePointer<Float>, _ qi: UnsafePointer<Float>, _ qj: UnsafePointer<Float>, count f: Int
    ) -> Float {
        let rp = UnsafeRawPointer(pu), ri = UnsafeRawPointer(qi), rj = UnsafeRawPointer(qj)
        var acc0 = SIMD8<Float>()
        var acc1 = SIMD8<Float>()
        var k = 0
        while k &+ 16 <= f {
            let o = k &* 4
            acc0.addProduct(
                rp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                ri.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - rj.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            acc1.addProduct(
                rp.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self),
                ri.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
                    - rj.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self))
            k &+= 16
        }
        if k &+ 8 <= f {
            let o = k &* 4
            acc0.addProduct(
                rp.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self),
                ri.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - rj.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
            k &+= 8
        }
        var sum = (acc0 + acc1).sum()
        while k < f {
            sum += pu[k] * (qi[k] - qj[k])
            k &+= 1
        }
        return sum
    }

    /// The gradient step on `pᵤ, qᵢ, qⱼ`, each from the values before the step.
    @inline(__always)
    static func update(
        _ pu: UnsafeMutablePointer<Float>, _ qi: UnsafeMutablePointer<Float>, _ qj: UnsafeMutablePointer<Float>,
        z: Float, lr: Float, reg: Float, f: Int
    ) {
        let vz = SIMD8<Float>(repeating: z)
        let vlr = SIMD8<Float>(repeating: lr)
        let vreg = SIMD8<Float>(repeating: reg)
        let rp = UnsafeMutableRawPointer(pu)
        let ri = UnsafeMutableRawPointer(qi)
        let rj = UnsafeMutableRawPointer(qj)
        var k = 0
        while k &+ 8 <= f {
            let o = k &* 4
            let a = UnsafeRawPointer(rp).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(ri).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let c = UnsafeRawPointer(rj).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            rp.storeBytes(of: a + vlr * (vz * (b - c) - vreg * a), toByteOffset: o, as: SIMD8<Float>.self)
            ri.storeBytes(of: b + vlr * (vz * a - vreg * b), toByteOffset: o, as: SIMD8<Float>.self)
            rj.storeBytes(of: c + vlr * (-vz * a - vreg * c), toByteOffset: o, as: SIMD8<Float>.self)
            k &+= 8
        }
        while k < f {
            let a = pu[k], b = qi[k], c = qj[k]
            pu[k] = a + lr * (z * (b - c) - reg * a)
            qi[k] = b + lr * (z * a - reg * b)
            qj[k] = c + lr * (-z * a - reg * c)
            k &+= 1
        }
    }

    /// Whether the sorted row `columns[start..<end]` holds `key`.
    ///
    /// A binary search costs a mispredicted branch per step, its direction being a coin flip, and
    /// the compiler turns even a select into that branch. Instead, eight-way steps narrow a long row
    /// without a data-dependent branch: the key's segment is the number of segment starts not above
    /// it, counted in one vector compare. A vector scan then checks the last at most 64 entries.
    @inline(__always)
    static func contains(_ columns: UnsafePointer<Int32>, from start: Int, to end: Int, _ key: Int32) -> Bool {
        let wanted = SIMD8<Int32>(repeating: key)
        var base = start
        var n = end - start
        while n > 64 {
            let s = n >> 3
            let pivots = SIMD8<Int32>(
                .min, columns[base &+ s], columns[base &+ 2 &* s], columns[base &+ 3 &* s], columns[base &+ 4 &* s],
                columns[base &+ 5 &* s], columns[base &+ 6 &* s], columns[base &+ 7 &* s])
            let below = SIMD8<Int32>(repeating: 1).replacing(with: 0, where: pivots .> wanted).wrappedSum()
            base &+= Int(below &- 1) &* s
            // Every segment is searched as long as the last (n − 7s entries), which stays in the row.
            n &-= 7 &* s
        }
        if n < 8 {
            var found = false
            for k in base..<(base &+ n) where columns[k] == key { found = true }
            return found
        }
        let raw = UnsafeRawPointer(columns)
        let stop = base &+ n
        var hits = SIMDMask<SIMD8<Int32>>()
        var k = base
        while k &+ 8 <= stop {
            hits .|= raw.loadUnaligned(fromByteOffset: k &* 4, as: SIMD8<Int32>.self) .== wanted
            k &+= 8
        }
        // The last eight entries once more, overlapping, instead of a scalar tail.
        hits .|= raw.loadUnaligned(fromByteOffset: (stop &- 8) &* 4, as: SIMD8<Int32>.self) .== wanted
        return any(hits)
    }

    /// The plain binary search `contains` must agree with (kept as the test oracle).
    static func containsByBinarySearch(_ columns: UnsafePointer<Int32>, from start: Int, to end: Int, _ key: Int32) -> Bool {
        var low = start, high = end
        while low < high {
            let mid = (low + high) / 2
            if columns[mid] == key { return true }
            if columns[mid] < key { low = mid + 1 } else { high = mid }
        }
        return false
    }
}
