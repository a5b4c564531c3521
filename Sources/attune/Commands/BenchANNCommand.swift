import ArgumentParser
import AttuneML
import Dispatch
import Foundation

struct BenchANN: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract: "Single-thread query throughput, recall@10, build time and memory of the HNSW index.",
        discussion: """
            Reads an ANN1 file written by scripts/ann_data.py (base vectors, queries, exact top-10); \
            scripts/bench-ann-vs-hnswlib.sh runs hnswlib on the same file with the same settings.
            """)

    @Argument(help: "The ANN1 data file.") var file: String
    @Option(help: "euclidean, innerProduct or cosine.") var metric: String = "euclidean"
    @Option(help: "Graph degree M.") var m: Int = 16
    @Option(help: "ef at construction.") var efConstruction: Int = 200
    @Option(help: "Comma-separated ef values to search with.") var ef: String = "50,100,200"
    @Option(help: "Threads for the build.") var buildThreads: Int = 2
    @Option(help: "Timed passes over the queries per ef.") var repeats: Int = 3

    func validate() throws {
        guard VectorMetric.allCases.contains(where: { "\($0)" == metric }) else { throw ValidationError("unknown --metric") }
        guard (2...128).contains(m), (1...10_000).contains(efConstruction) else { throw ValidationError("--m 2-128, --ef-construction 1-10000") }
        guard !efValues.isEmpty else { throw ValidationError("--ef must list positive integers") }
        guard (1...64).contains(buildThreads), (1...100).contains(repeats) else { throw ValidationError("--build-threads 1-64, --repeats 1-100") }
        guard FileManager.default.isReadableFile(atPath: file) else { throw ValidationError("cannot read \(file)") }
    }

    var efValues: [Int] { ef.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 } }

    struct DataSet {
        var n = 0, queryCount = 0, dimension = 0, k = 0
        var base: [Float] = []
        var queries: [Float] = []
        var truth: [Int32] = []
    }

    static func load(_ path: String) throws -> DataSet {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 20 else {
            throw ValidationError("cannot read \(path)")
        }
        return try data.withUnsafeBytes { raw throws -> DataSet in
            guard String(decoding: raw[0..<4], as: UTF8.self) == "ANN1" else { throw ValidationError("not an ANN1 file") }
            func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
            var set = DataSet(n: u32(4), queryCount: u32(8), dimension: u32(12), k: u32(16))
            let expected = 20 + 4 * (set.n * set.dimension + set.queryCount * set.dimension + set.queryCount * set.k)
            guard raw.count == expected else { throw ValidationError("the file is \(raw.count) bytes, expected \(expected)") }
            var offset = 20
            func floats(_ count: Int) -> [Float] {
                defer { offset += count * 4 }
                return (0..<count).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: UInt32.self)))
                }
            }
            set.base = floats(set.n * set.dimension)
            set.queries = floats(set.queryCount * set.dimension)
            set.truth = (0..<(set.queryCount * set.k)).map {
                Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: Int32.self))
            }
            return set
        }
    }

    /// Resident and peak resident set size of this process, in MB.
    static func memoryMB() -> (rss: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            for line in status.split(separator: "\n") where line.hasPrefix(name) {
                return (Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0) / 1024
            }
            return 0
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3)
            .joined(separator: " ")
    }

    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func run() async throws {
        let data = try Self.load(file)
        let vectorMetric = VectorMetric.allCases.first { "\($0)" == metric }!
        print("data: n=\(data.n) queries=\(data.queryCount) dim=\(data.dimension) metric=\(metric) load=\(Self.loadAverage())")
        let rssBefore = Self.memoryMB().rss
        let configuration = HNSWIndex.Configuration(metric: vectorMetric, neighbors: m, efConstruction: efConstruction, seed: 100)
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let index = try HNSWIndex.build(
            vectors: data.base, dimension: data.dimension, configuration: configuration, threads: buildThreads)
        let buildSeconds = Self.seconds(since: buildStart)
        let memory = Self.memoryMB()
        print(String(format: "build: %d threads %.2f s, RSS growth %.1f MB, peak RSS %.1f MB, serialized %.1f MB",
                     buildThreads, buildSeconds, memory.rss - rssBefore, memory.peak, Double(index.serialized().count) / 1e6))
        let searcher = index.makeSearcher()
        var hits = [Neighbor](repeating: Neighbor(label: 0, score: 0), count: data.k)
        var found = [Int32](repeating: -1, count: data.queryCount * data.k)
        print("| index | M | efC | efS | recall@10 | QPS 1 thread (best) | QPS 1 thread (median) | load |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for ef in efValues {
            var walls: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                try data.queries.withUnsafeBufferPointer { queries in
                    try hits.withUnsafeMutableBufferPointer { out in
                        for q in 0..<data.queryCount {
                            let query = UnsafeBufferPointer(rebasing: queries[(q * data.dimension)..<((q + 1) * data.dimension)])
                            let n = try index.search(query, k: data.k, ef: ef, using: searcher, into: out)
                            for j in 0..<n { found[q * data.k + j] = out[j].label }
                        }
                    }
                }
                walls.append(Self.seconds(since: start))
            }
            var overlap = 0
            for q in 0..<data.queryCount {
                let truth = Set(data.truth[(q * data.k)..<((q + 1) * data.k)])
                overlap += found[(q * data.k)..<((q + 1) * data.k)].filter(truth.contains).count
            }
            walls.sort()
            print(String(format: "| attune | %d | %d | %d | %.4f | %.0f | %.0f | %@ |", m, efConstruction, ef,
                         Double(overlap) / Double(data.queryCount * data.k), Double(data.queryCount) / walls[0],
                         Double(data.queryCount) / walls[walls.count / 2], Self.loadAverage()))
        }
    }
}
