import AttuneML
import Foundation

func extraCandidates(for family: String, options: Options) -> [Candidate] {
    let threads = options.threads
    switch family {
    case "als":
        let regs: [Float] = options.quickGrid ? [0.05] : [0.01, 0.05, 0.1, 0.5]
        let alphas: [Float] = options.quickGrid ? [5] : [1, 2, 5, 10]
        return regs.flatMap { reg in
            alphas.map { a in
                let c = ImplicitALS.Configuration(factors: 64, regularization: reg, alpha: a, iterations: 15, seed: 42)
                return Candidate(name: "f64_reg\(reg)_alpha\(a)_it15") { m, _ in
                    try ImplicitALS.fit(interactions: m, configuration: c, threads: threads)
                }
            }
        }
    case "bpr":
        return bprCandidates(options: options)
    default:
        return []
    }
}

/// Times ALS (64 factors, 15 iterations) on full training, `repeats` times; prints each run and the median.
func benchmarkALS(data: Dataset, options: Options) throws {
    let c = ImplicitALS.Configuration(factors: 64, regularization: 0.05, alpha: 5, iterations: 15, seed: 42)
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<options.repeats {
        var model: ImplicitALS?
        let d = try clock.measure { model = try ImplicitALS.fit(interactions: data.trainMatrix, configuration: c, threads: options.threads) }
        times.append(seconds(d))
        _ = model
    }
    times.sort()
    print("attune ALS fit f64 it15 threads=\(options.threads): runs \(times.map { String(format: "%.3f", $0) }) median "
          + String(format: "%.3f s", times[times.count / 2]))
}

func bprCandidates(options: Options) -> [Candidate] {
    let threads = options.threads
    let lrs: [Float] = options.quickGrid ? [0.01] : [0.01, 0.05]
    let regs: [Float] = options.quickGrid ? [0.01] : [0.001, 0.01]
    let its = options.quickGrid ? [100] : [50, 100, 200]
    var out: [Candidate] = []
    for lr in lrs {
        for reg in regs {
            for it in its {
                let c = BPR.Configuration(factors: 64, learningRate: lr, regularization: reg, iterations: it, seed: 42)
                out.append(Candidate(name: "f64_lr\(lr)_reg\(reg)_it\(it)") { m, _ in
                    try BPR.fit(interactions: m, configuration: c, threads: threads)
                })
            }
        }
    }
    return out
}
