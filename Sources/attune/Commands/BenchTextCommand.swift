import ArgumentParser
import AttuneCore
import AttuneEngine
import AttuneML
import Dispatch
import Foundation

struct BenchText: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Customer-text analysis throughput on human-rated sentences, and their scores for comparison.",
        discussion: """
            Reads the *_GroundTruth.txt files of a directory (id TAB mean rating TAB text, as in the \
            ICWSM-2014 sentiment data of Hutto and Gilbert), keeps the texts under --max-chars characters, \
            and times sentiment alone and sentiment with entity extraction over them on --threads threads. \
            --scores writes one line per text (corpus, id, human mean, compound) for an agreement check \
            against another analyser (scripts/bench-text-vs-vader.sh).
            """)

    @Option(help: "Directory with vader_lexicon.txt and emoji_utf8_lexicon.txt.") var lexicon: String
    @Option(help: "Directory with the *_GroundTruth.txt files.") var corpus: String
    @Option(help: "Only texts shorter than this many characters are timed.") var maxChars = 300
    @Option(help: "Threads to analyse on.") var threads = 2
    @Option(help: "Passes over the texts per timing (the best pass counts).") var repeats = 5
    @Option(help: "Write corpus, id, human mean and compound of every text here (TSV).") var scores: String?

    func run() async throws {
        guard let lexicon = try SentimentLexiconFiles.load(directory: lexicon) else {
            throw ValidationError("no \(SentimentLexiconFiles.lexiconFile) in \(self.lexicon)")
        }
        let analyzer = SentimentAnalyzer(lexicon: lexicon)
        var rows: [(corpus: String, id: String, mean: String, text: String)] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus)
            .filter { $0.hasSuffix("_GroundTruth.txt") }.sorted()
        guard !files.isEmpty else { throw ValidationError("no *_GroundTruth.txt files in \(corpus)") }
        for file in files {
            let name = String(file.dropLast("_GroundTruth.txt".count))
            let content = try String(contentsOfFile: (corpus as NSString).appendingPathComponent(file), encoding: .utf8)
            for line in content.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
                let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3 else { continue }
                rows.append((name, String(fields[0]), String(fields[1]), String(fields[2])))
            }
        }
        let short = rows.map(\.text).filter { $0.count < maxChars }
        let bytes = short.reduce(0) { $0 + $1.utf8.count }
        print("texts: \(rows.count) in \(files.count) files; \(short.count) under \(maxChars) characters (\(bytes / max(1, short.count)) bytes on average)")
        print("threads: \(threads), best of \(repeats) passes")

        var best = Double.infinity
        var checksum = 0.0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let compounds = analyzer.compounds(short, threads: threads)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
            checksum = compounds.reduce(0, +)
        }
        print(String(format: "sentiment:            %9.0f texts/s  (%.3f s per pass, checksum %.4f)", Double(short.count) / best, best, checksum))

        let extractor = EntityExtractor()
        var bestFull = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            ParallelRange.forEachChunk(count: short.count, threads: threads) { _, range in
                var scratch = SentimentScratch()
                var found = 0
                for i in range {
                    _ = analyzer.score(short[i], scratch: &scratch)
                    found &+= extractor.entities(in: short[i]).count
                }
                withExtendedLifetime(found) {}
            }
            bestFull = min(bestFull, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        print(String(format: "sentiment + entities: %9.0f texts/s  (%.3f s per pass)", Double(short.count) / bestFull, bestFull))

        if let scores {
            let all = analyzer.compounds(rows.map(\.text), threads: threads)
            var out = "corpus\tid\tmean\tcompound\n"
            for (row, compound) in zip(rows, all) { out += "\(row.corpus)\t\(row.id)\t\(row.mean)\t\(compound)\n" }
            try out.write(toFile: scores, atomically: true, encoding: .utf8)
            print("scores of all \(rows.count) texts written to \(scores)")
        }
    }
}
