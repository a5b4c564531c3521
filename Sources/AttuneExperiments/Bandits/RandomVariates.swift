import RealModule

/// Samplers for the distributions the bandits draw from, on any `RandomNumberGenerator`.
package enum RandomVariates {
    /// Uniform on the open interval (0, 1), from the top 53 bits.
    @inlinable
    package static func openUnit<G: RandomNumberGenerator>(using rng: inout G) -> Double {
        (Double(rng.next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal by the Marsaglia polar method.
    package static func standardNormal<G: RandomNumberGenerator>(using rng: inout G) -> Double {
        while true {
            let u = 2 * openUnit(using: &rng) - 1
            let v = 2 * openUnit(using: &rng) - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * Double.log(s) / s).squareRoot() }
        }
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000), "A Simple Method for Generating Gamma Variables";
    /// shapes below 1 use the boost Gamma(k) = Gamma(k + 1)·U^{1/k}.
    package static func gamma<G: RandomNumberGenerator>(shape: Double, using rng: inout G) -> Double {
        precondition(shape > 0, "gamma shape must be positive")
        if shape < 1 {
            let boost = Double.pow(openUnit(using: &rng), 1 / shape)
            return gamma(shape: shape + 1, using: &rng) * boost
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = standardNormal(using: &rng)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = openUnit(using: &rng)
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Double.log(u) < 0.5 * x * x + d * (1 - v + Double.log(v)) { return d * v }
        }
    }

    /// Beta(a, b) as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    package static func beta<G: RandomNumberGenerator>(_ a: Double, _ b: Double, using rng: inout G) -> Double {
        let x = gamma(shape: a, using: &rng)
        let y = gamma(shape: b, using: &rng)
        return x / (x + y)
    }
}
