import RealModule

/// Special functions behind every p-value in this module, written for full double precision.
///
/// The incomplete beta and gamma functions use the continued fractions of Abramowitz & Stegun
/// (26.5.8, 6.5.31) evaluated with the modified Lentz algorithm (Lentz 1976; Thompson & Barnett 1986),
/// switching to the symmetric or series form where the fraction converges slowly.
package enum SpecialFunctions {
    private static let epsilon = 1e-16
    private static let tiny = 1e-300
    private static let maxIterations = 100_000

    /// ln Γ(x) for x > 0.
    package static func logGamma(_ x: Double) -> Double {
        Double.logGamma(x)
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
    package static func logBeta(_ a: Double, _ b: Double) -> Double {
        logGamma(a) + logGamma(b) - logGamma(a + b)
    }

    /// The regularised incomplete beta function I_x(a, b) (the Beta(a, b) CDF).
    /// - Parameters:
    ///   - a: first shape, > 0.
    ///   - b: second shape, > 0.
    ///   - x: point in [0, 1]; values outside are clamped.
    /// - Complexity: O(√max(a, b)) continued-fraction terms.
    package static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        incompleteBeta(a, b, x: x, y: 1 - x).lower
    }

    /// I_x(a, b) and its complement 1 − I_x(a, b), each computed without cancellation.
    ///
    /// `y` must equal 1 − x; passing it separately keeps precision when the caller can form it exactly
    /// (e.g. t² / (ν + t²) for the Student t tail).
    static func incompleteBeta(_ a: Double, _ b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        if !(x > 0) { return (0, 1) }
        if !(y > 0) { return (1, 0) }
        let logFront = a * Double.log(x) + b * Double.log(y) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            let value = Double.exp(logFront) * betaContinuedFraction(a, b, x) / a
            return (value, 1 - value)
        } else {
            let value = Double.exp(logFront) * betaContinuedFraction(b, a, y) / b
            return (1 - value, value)
        }
    }

    private static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for iteration in 1...maxIterations {
            let m = Double(iteration)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }

    /// The regularised lower and upper incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x).
    ///
    /// The smaller of the two is computed directly (series for x < a + 1, continued fraction
    /// otherwise), so tail probabilities keep full relative precision.
    /// - Parameters:
    ///   - a: shape, > 0.
    ///   - x: point, ≥ 0.
    package static func regularizedGamma(_ a: Double, _ x: Double) -> (lower: Double, upper: Double) {
        if !(x > 0) { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        let logFront = -x + a * Double.log(x) - logGamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var ap = a
            for _ in 0..<maxIterations {
                ap += 1
                term *= x / ap
                sum += term
                if abs(term) < abs(sum) * epsilon { break }
            }
            let p = sum * Double.exp(logFront)
            return (p, 1 - p)
        }
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for iteration in 1...maxIterations {
            let i = Double(iteration)
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        let q = Double.exp(logFront) * h
        return (1 - q, q)
    }
}
