import RealModule

/// A group-sequential design with planned interim looks and Lan–DeMets alpha spending
/// (Lan & DeMets 1983), two-sided with symmetric boundaries.
///
/// Boundaries are found by recursive numerical integration of the score process (Armitage, McPherson
/// & Rowe 1969): the sub-density of the Brownian score on the continuation region is carried from look
/// to look on a Simpson grid, and each critical value is solved by bisection so that the crossing
/// probability at that look equals the alpha spent since the previous one. Unlike `MixtureSPRT`, the
/// whole α is used at the planned looks, so the false-positive rate is α rather than below it.
package struct GroupSequentialDesign: Sendable, Hashable {
    /// How α is spent over the information fraction t ∈ (0, 1].
    package enum SpendingFunction: Sendable, Hashable {
        /// Each one-sided bound spends 2 − 2Φ(z_{1−α/4}/√t), so both together spend α at t = 1 and almost
        /// nothing early. This is the convention of the published tables (ldbounds, gsDesign `sfLDOF`).
        case obrienFleming
        /// α(t) = α·ln(1 + (e − 1)t): spends evenly.
        case pocock
    }

    /// Overall two-sided type I error.
    package let alpha: Double
    /// Share of the final sample at each look.
    package let informationFractions: [Double]
    /// How α is spent across looks.
    package let spending: SpendingFunction
    /// Critical |z| at each look; +∞ where no alpha is spent.
    package let criticalValues: [Double]

    /// - Parameters:
    ///   - looks: number of equally spaced looks (the last at full sample size).
    ///   - alpha: overall two-sided type I error.
    ///   - spending: the spending function.
    /// - Throws: `ExperimentError` for fewer than one look or alpha outside (0, 1).
    /// - Complexity: O(looks · g²) for a grid of g = 401 points.
    package init(looks: Int, alpha: Double = 0.05, spending: SpendingFunction = .obrienFleming) throws(ExperimentError)
    {
        guard looks >= 1 else { throw .invalidArgument("must be at least 1", field: "looks") }
        try self.init(
            informationFractions: (1...looks).map { Double($0) / Double(looks) }, alpha: alpha, spending: spending)
    }

    /// - Parameter informationFractions: strictly increasing fractions in (0, 1], ending at 1.
    /// - Throws: `ExperimentError` for invalid fractions or alpha.
    package init(
        informationFractions: [Double], alpha: Double = 0.05, spending: SpendingFunction = .obrienFleming
    ) throws(ExperimentError) {
        try Validate.level(alpha, "alpha")
        guard let last = informationFractions.last, abs(last - 1) < 1e-12 else {
            throw .invalidArgument("must end at 1", field: "informationFractions")
        }
        var previous = 0.0
        for t in informationFractions {
            guard t > previous else { throw .invalidArgument("must increase strictly", field: "informationFractions") }
            previous = t
        }
        self.alpha = alpha
        self.informationFractions = informationFractions
        self.spending = spending
        self.criticalValues = Self.solve(fractions: informationFractions, alpha: alpha, spending)
    }

    /// Whether |z| at look `look` (0-based) crosses the boundary.
    package func rejects(z: Double, atLook look: Int) -> Bool {
        look >= 0 && look < criticalValues.count && abs(z) >= criticalValues[look]
    }

    static func spent(_ t: Double, alpha: Double, _ spending: SpendingFunction) -> Double {
        switch spending {
        case .obrienFleming:
            return min(alpha, 4 * Normal.survival(Normal.quantile(1 - alpha / 4) / t.squareRoot()))
        case .pocock:
            return alpha * Double.log(1 + (Double.exp(1) - 1) * t)
        }
    }

    private static let gridSize = 401

    private static func solve(fractions: [Double], alpha: Double, _ spending: SpendingFunction) -> [Double] {
        var critical = [Double]()
        // Grid over the score W(t) on the continuation region of the previous look, with Simpson weights.
        var grid = [Double]()
        var density = [Double]()
        var weights = [Double]()
        var spentSoFar = 0.0
        var previousT = 0.0
        for (k, t) in fractions.enumerated() {
            let target = spent(t, alpha: alpha, spending) - spentSoFar
            let dt = t - previousT
            let sd = dt.squareRoot()
            var c: Double
            if k == 0 {
                c = target > 0 ? Normal.quantile(1 - target / 2) : .infinity
            } else if target <= 0 {
                c = .infinity
            } else {
                func crossing(_ c: Double) -> Double {
                    let b = c * t.squareRoot()
                    var sum = 0.0
                    for i in 0..<grid.count {
                        let u = grid[i]
                        sum += weights[i] * density[i] * (Normal.cdf((-b - u) / sd) + Normal.survival((b - u) / sd))
                    }
                    return sum
                }
                var low = 0.0
                var high = 40.0
                for _ in 0..<100 {
                    let mid = 0.5 * (low + high)
                    if crossing(mid) > target { low = mid } else { high = mid }
                    if high - low < 1e-12 { break }
                }
                c = 0.5 * (low + high)
            }
            critical.append(c)
            let actuallySpent = k == 0 ? 2 * Normal.survival(c) : target
            spentSoFar += c.isInfinite ? 0 : actuallySpent
            // Carry the sub-density to this look's continuation region.
            let b = c.isInfinite ? 10 * t.squareRoot() : c * t.squareRoot()
            let h = 2 * b / Double(gridSize - 1)
            let newGrid = (0..<gridSize).map { -b + Double($0) * h }
            let newWeights = (0..<gridSize).map { i -> Double in
                let w = (i == 0 || i == gridSize - 1) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)
                return w * h / 3
            }
            var newDensity = [Double](repeating: 0, count: gridSize)
            if k == 0 {
                for i in 0..<gridSize { newDensity[i] = Normal.pdf(newGrid[i] / sd) / sd }
            } else {
                for i in 0..<gridSize {
                    var sum = 0.0
                    for j in 0..<grid.count {
                        sum += weights[j] * density[j] * Normal.pdf((newGrid[i] - grid[j]) / sd)
                    }
                    newDensity[i] = sum / sd
                }
            }
            grid = newGrid
            weights = newWeights
            density = newDensity
            previousT = t
        }
        return critical
    }
}
