import AttuneML

extension SeededGenerator {
    /// Uniform in [0, 1) with 53 bits, for synthetic data that needs doubles.
    package mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
