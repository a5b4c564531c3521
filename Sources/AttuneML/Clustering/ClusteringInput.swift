/// Input checks shared by the clustering algorithms, run once at the boundary so the kernels can
/// assume finite, non-empty, rectangular data.
enum ClusteringInput {
    /// - Throws: `AttuneMLError.invalidArgument` when `points` has no rows or no columns, fewer
    ///   than `minimumRows` rows, or a NaN or infinite value (reported by row, never by value).
    /// - Complexity: O(rows · columns).
    static func validate(_ points: DenseMatrix, minimumRows: Int = 1, what: String = "points") throws {
        guard points.rowCount > 0 else { throw AttuneMLError.invalidArgument("no \(what) to cluster") }
        guard points.columnCount > 0 else { throw AttuneMLError.invalidArgument("\(what) have no features") }
        guard points.rowCount >= minimumRows else {
            throw AttuneMLError.invalidArgument("\(points.rowCount) \(what) for \(minimumRows) clusters")
        }
        if let row = firstNonFiniteRow(points) {
            throw AttuneMLError.invalidArgument("non-finite value in row \(row) of \(what)")
        }
    }

    /// The first row holding a NaN or an infinity, or `nil`.
    static func firstNonFiniteRow(_ points: DenseMatrix) -> Int? {
        points.values.withUnsafeBufferPointer { v -> Int? in
            // `x − x` is 0 for finite x and NaN for ±∞ and NaN, so one branch-free vector sum
            // answers "all finite?"; only a failing matrix pays for the scalar search.
            let raw = UnsafeRawPointer(v.baseAddress!)
            var acc0 = SIMD8<Float>()
            var acc1 = SIMD8<Float>()
            var i = 0
            while i + 16 <= v.count {
                let a = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                let b = raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                acc0 += a - a
                acc1 += b - b
                i += 16
            }
            var tail: Float = 0
            while i < v.count {
                tail += v[i] - v[i]
                i += 1
            }
            if (acc0 + acc1).sum() + tail == 0 { return nil }
            for (i, x) in v.enumerated() where !x.isFinite { return i / points.columnCount }
            return nil
        }
    }
}
