/// A small, fast, reproducible random number generator.
///
/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
/// Models take one of these instead of the system generator so that a fixed seed gives the same
/// factors on every machine and every run.
package struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    package private(set) var state: UInt64

    /// - Parameter seed: any value; equal seeds give equal streams.
    package init(seed: UInt64) {
        state = seed
    }

    @inlinable
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform `Float` in [0, 1), from the top 24 bits.
    @inlinable
    package mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform integer in `0..<bound` for `0 < bound <= UInt32.max` (Lemire's multiply-shift
    /// without rejection: the bias, below bound / 2^32, is irrelevant for sampling training pairs).
    @inlinable
    package mutating func nextIndex(below bound: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(truncatingIfNeeded: next() >> 32)) &* UInt64(bound)) >> 32)
    }

    /// An independent generator for stream `index`, so parallel workers do not share state.
    package func split(stream index: Int) -> SeededGenerator {
        var mixer = SeededGenerator(seed: state ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        return SeededGenerator(seed: mixer.next())
    }
}
