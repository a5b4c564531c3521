import AttuneExperiments
import Foundation
import RealModule
import Testing

/// The reference vectors in Resources/stats_vectors.json (scipy/statsmodels/mpmath).
enum StatsVectors {
    static func load() throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: "Resources/stats_vectors", withExtension: "json"))
        let data = try Data(contentsOf: url)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func cases(_ section: String) throws -> [[String: Any]] {
        let root = try load()
        let entry = try #require(root[section] as? [String: Any], "missing section \(section)")
        return try #require(entry["cases"] as? [[String: Any]])
    }
}

func number(_ value: Any?) throws -> Double {
    if let n = value as? NSNumber { return n.doubleValue }
    if let d = value as? Double { return d }
    if let i = value as? Int { return Double(i) }
    throw VectorError.notANumber
}

func int(_ value: Any?) throws -> Int { Int(try number(value)) }

func numbers(_ value: Any?) throws -> [Double] {
    let list = try #require(value as? [Any])
    return try list.map { try number($0) }
}

enum VectorError: Error { case notANumber }

/// Relative error |actual − expected| / |expected|; absolute when the expected value is 0.
func relativeError(_ actual: Double, _ expected: Double) -> Double {
    if expected == 0 { return abs(actual) }
    return abs(actual - expected) / abs(expected)
}

/// Checks relative agreement to `tolerance` and returns the relative error seen, so a test can report
/// the largest.
@discardableResult
func expectClose(
    _ actual: Double, _ expected: Double, tolerance: Double = 1e-6, _ label: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) -> Double {
    let error = relativeError(actual, expected)
    let ok = expected == 0 ? abs(actual) <= 1e-12 : error <= tolerance
    #expect(
        ok, "\(label()): got \(actual), expected \(expected), relative error \(error)", sourceLocation: sourceLocation)
    return expected == 0 ? 0 : error
}

/// An exact Binomial(n, p) sampler by inversion of a precomputed CDF: one uniform and a binary search
/// per draw, which keeps the seeded simulations fast in debug builds.
struct BinomialSampler {
    private var cdf: [Double]

    init(trials n: Int, probability p: Double) {
        var cdf = [Double](repeating: 0, count: n + 1)
        var total = 0.0
        let logP = Double.log(p)
        let logQ = Double.log(onePlus: -p)
        let logNFactorial = Double.logGamma(Double(n) + 1)
        for k in 0...n {
            let logPmf =
                logNFactorial - Double.logGamma(Double(k) + 1) - Double.logGamma(Double(n - k) + 1)
                + Double(k) * logP + Double(n - k) * logQ
            total += Double.exp(logPmf)
            cdf[k] = total
        }
        self.cdf = cdf.map { $0 / total }
    }

    func sample(using rng: inout SplitMix64) -> Int {
        let u = RandomVariates.openUnit(using: &rng)
        var low = 0
        var high = cdf.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cdf[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
