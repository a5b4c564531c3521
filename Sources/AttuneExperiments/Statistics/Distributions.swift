import RealModule

/// The standard normal distribution.
package enum Normal {
    /// Φ(x), through erfc so that the lower tail keeps full relative precision.
    package static func cdf(_ x: Double) -> Double {
        0.5 * Double.erfc(-x / 2.0.squareRoot())
    }

    /// 1 − Φ(x) without cancellation.
    package static func survival(_ x: Double) -> Double {
        0.5 * Double.erfc(x / 2.0.squareRoot())
    }

    /// φ(x).
    package static func pdf(_ x: Double) -> Double {
        Double.exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
    }

    /// Φ⁻¹(p): Acklam's rational approximation (relative error 1.15e-9) polished by two Halley steps
    /// on the erfc-based CDF, which brings it to within a few ulps.
    /// - Parameter p: probability in [0, 1]; returns ∓∞ at the ends and NaN outside.
    package static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        // 1 − p is exact for p ≥ 0.5, so the symmetric reduction loses nothing.
        if p > 0.5 { return -quantile(1 - p) }
        var x = acklam(p)
        for _ in 0..<2 {
            let error = cdf(x) - p
            let u = error * (2 * Double.pi).squareRoot() * Double.exp(0.5 * x * x)
            x -= u / (1 + 0.5 * x * u)
        }
        return x
    }

    private static func acklam(_ p: Double) -> Double {
        let a = (
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
        )
        let b = (
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
            6.680131188771972e+01, -1.328068155288572e+01
        )
        let c = (
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
        )
        let d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
        if p < 0.02425 {
            let q = (-2 * Double.log(p)).squareRoot()
            let num = ((((c.0 * q + c.1) * q + c.2) * q + c.3) * q + c.4) * q + c.5
            let den = (((d.0 * q + d.1) * q + d.2) * q + d.3) * q + 1
            return num / den
        }
        let q = p - 0.5
        let r = q * q
        let num = (((((a.0 * r + a.1) * r + a.2) * r + a.3) * r + a.4) * r + a.5) * q
        let den = ((((b.0 * r + b.1) * r + b.2) * r + b.3) * r + b.4) * r + 1
        return num / den
    }
}

/// Student's t distribution with ν (possibly fractional) degrees of freedom.
package enum StudentT {
    /// P(T ≤ t) = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, by symmetry otherwise.
    package static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t.isNaN || !(nu > 0) { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        let tail = upperTail(abs(t), nu)
        return t < 0 ? tail : 1 - tail
    }

    /// P(T > t) without cancellation.
    package static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        cdf(-t, degreesOfFreedom: nu)
    }

    /// The t with P(T ≤ t) = p, inverted through the incomplete beta quantile.
    package static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || !(nu > 0) { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        if p == 0.5 { return 0 }
        if p > 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        // P(T ≤ −|t|) = ½ I_x(ν/2, ½) with x = ν/(ν+t²).
        let x = BetaDistribution.quantile(2 * p, alpha: nu / 2, beta: 0.5)
        return -(nu * (1 / x - 1)).squareRoot()
    }

    private static func upperTail(_ t: Double, _ nu: Double) -> Double {
        let t2 = t * t
        let x = nu / (nu + t2)
        let y = t2 / (nu + t2)
        return 0.5 * SpecialFunctions.incompleteBeta(nu / 2, 0.5, x: x, y: y).lower
    }
}

/// The chi-square distribution with k degrees of freedom.
package enum ChiSquare {
    /// P(X ≤ x) = P(k/2, x/2).
    package static func cdf(_ x: Double, degreesOfFreedom k: Double) -> Double {
        SpecialFunctions.regularizedGamma(k / 2, x / 2).lower
    }

    /// P(X > x) = Q(k/2, x/2), accurate in the far tail.
    package static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        SpecialFunctions.regularizedGamma(k / 2, x / 2).upper
    }
}

/// The Beta(α, β) distribution.
package enum BetaDistribution {
    /// I_x(α, β).
    package static func cdf(_ x: Double, alpha: Double, beta: Double) -> Double {
        SpecialFunctions.regularizedIncompleteBeta(alpha, beta, x)
    }

    /// 1 − I_x(α, β) without cancellation.
    package static func survival(_ x: Double, alpha: Double, beta: Double) -> Double {
        SpecialFunctions.incompleteBeta(alpha, beta, x: x, y: 1 - x).upper
    }

    /// The x with I_x(α, β) = p: Newton's method on the CDF, kept inside a shrinking bracket so a
    /// wild step falls back to bisection.
    /// - Complexity: typically under ten CDF evaluations.
    package static func quantile(_ p: Double, alpha a: Double, beta b: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 || !(a > 0) || !(b > 0) { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return 1 }
        // Work in the tail that holds less than half the mass, so the target is never a difference of
        // nearly equal numbers; 1 − p is exact for p ≥ 0.5.
        if p > 0.5 { return 1 - quantile(1 - p, alpha: b, beta: a) }
        let logB = SpecialFunctions.logBeta(a, b)
        var low = 0.0
        var high = 1.0
        var x = initialGuess(p, a, b)
        for _ in 0..<400 {
            let f = cdf(x, alpha: a, beta: b) - p
            if f == 0 { return x }
            if f < 0 { low = x } else { high = x }
            let logPdf = (a - 1) * Double.log(x) + (b - 1) * Double.log(onePlus: -x) - logB
            var next = x - f / Double.exp(logPdf)
            if !(next > low && next < high) || !next.isFinite {
                // Bisect geometrically near 0 so tiny quantiles converge in few steps.
                next = low > 0 ? (low * high).squareRoot() : high / 16
                if !(next > low && next < high) { next = 0.5 * (low + high) }
            }
            if abs(next - x) <= 4 * Double.ulpOfOne * x || high - low <= 4 * Double.ulpOfOne * x {
                return next
            }
            x = next
        }
        return x
    }

    private static func initialGuess(_ p: Double, _ a: Double, _ b: Double) -> Double {
        let mean = a / (a + b)
        let sd = (a * b / ((a + b) * (a + b) * (a + b + 1))).squareRoot()
        let guess = mean + Normal.quantile(p) * sd
        if guess > 0 && guess < 1 { return guess }
        return min(mean, 0.5) / 2
    }
}
