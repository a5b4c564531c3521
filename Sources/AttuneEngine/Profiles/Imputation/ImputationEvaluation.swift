import AttuneCore
import AttuneML
import Foundation

/// Measures imputation on a data set whose attributes are all known: hides the attribute of a
/// seeded share of users, imputes it from behaviour, and compares with what a guess without
/// behaviour achieves (numbers: MAE against the donors' mean and median; labels: accuracy
/// against the donors' most common label).
package struct ImputationEvaluation: Sendable {
    package struct Row: Sendable, Equatable {
        package var attribute: String
        package var features: ImputationFeatures.Kind
        package var k: Int
        package var hidden: Int
        /// Hidden users that got an estimate (the rest are scored with the baseline guess).
        package var covered: Int
        package var numeric: Bool
        /// MAE for numbers, accuracy for labels.
        package var knn: Double
        /// Mean-of-donors MAE, or the majority label's accuracy.
        package var baseline: Double
        /// Median-of-donors MAE; `nil` for labels.
        package var medianBaseline: Double?
    }

    package var hiddenShare = 0.2
    package var seed: UInt64 = 42
    package var threads = 1

    package init() {}

    /// - Parameters:
    ///   - log: interactions (behaviour) in user index order.
    ///   - attributes: per attribute name, the declared value of each user of `log` (or `nil`).
    /// - Throws: `AttuneMLError` for k ≤ 0; `AttuneError` for an attribute nobody declares.
    package func run(
        log: InteractionLog, attributes: [(name: String, known: [JSONValue?])], kinds: [ImputationFeatures.Kind], ks: [Int]
    ) throws -> [Row] {
        var rows: [Row] = []
        for kind in kinds {
            let features = try ImputationFeatures.make(kind, from: log, seed: seed, threads: threads)
            for (name, known) in attributes {
                let declared = known.indices.filter { known[$0] != nil }.map { Int32($0) }
                guard declared.count >= 2 else { throw AttuneError.invalid(name, "fewer than two users declare this attribute") }
                var rng = SeededGenerator(seed: seed)
                let hidden = Array(declared.shuffled(using: &rng).prefix(Int((Double(declared.count) * hiddenShare).rounded())))
                var masked = known
                for row in hidden { masked[Int(row)] = nil }
                for k in ks {
                    let estimates = try AttributeImputation.impute(
                        name, features: features, known: masked, queries: hidden, k: k, threads: threads)
                    rows.append(Self.score(name, kind, k, hidden: hidden, truth: known, masked: masked, estimates: estimates))
                }
            }
        }
        return rows
    }

    static func score(
        _ name: String, _ kind: ImputationFeatures.Kind, _ k: Int, hidden: [Int32], truth: [JSONValue?], masked: [JSONValue?],
        estimates: [Int32: ImputedValue]
    ) -> Row {
        let donors = masked.compactMap { $0 }
        let numeric = donors.allSatisfy { if case .number = $0 { true } else { false } }
        if numeric {
            let values = donors.map { value -> Double in if case .number(let n) = value { n } else { 0 } }.sorted()
            let mean = values.reduce(0, +) / Double(values.count)
            let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            var knn = 0.0, meanError = 0.0, medianError = 0.0
            for row in hidden {
                guard case .number(let actual)? = truth[Int(row)] else { continue }
                var guess = mean
                if case .number(let estimate)? = estimates[row]?.value { guess = estimate }
                knn += abs(guess - actual)
                meanError += abs(mean - actual)
                medianError += abs(median - actual)
            }
            let n = Double(max(1, hidden.count))
            return Row(
                attribute: name, features: kind, k: k, hidden: hidden.count, covered: estimates.count, numeric: true, knn: knn / n,
                baseline: meanError / n, medianBaseline: medianError / n)
        }
        var counts: [String: Int] = [:]
        for value in donors { counts[AttributeImputation.label(value), default: 0] += 1 }
        let majority = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        var right = 0, majorityRight = 0
        for row in hidden {
            guard let actual = truth[Int(row)].map(AttributeImputation.label) else { continue }
            let guess = estimates[row].map { AttributeImputation.label($0.value) } ?? majority
            if guess == actual { right += 1 }
            if majority == actual { majorityRight += 1 }
        }
        let n = Double(max(1, hidden.count))
        return Row(
            attribute: name, features: kind, k: k, hidden: hidden.count, covered: estimates.count, numeric: false,
            knn: Double(right) / n, baseline: Double(majorityRight) / n, medianBaseline: nil)
    }

    /// Declared attributes per user of `log` from a user file (`ml-100k.user` or any file
    /// `attune import users` reads), typed as the import types them.
    package static func readAttributes(path: String, names: [String], log: InteractionLog) throws -> [(name: String, known: [JSONValue?])] {
        var known = [[JSONValue?]](repeating: [JSONValue?](repeating: nil, count: log.users.count), count: names.count)
        var idColumn: String?
        var seen = Set<String>()
        try TabularSource(path: path).forEachRow { line, message in
            throw ImportFailure.unreadable("line \(line): \(message)")
        } progress: { _, _ in
        } _: { row in
            if idColumn == nil {
                idColumn = UserImporter.idColumns.first(where: Set(row.order).contains)
                guard idColumn != nil else { throw ImportFailure.noIdentityColumn }
                seen = Set(row.order)
            }
            guard case .string(let id)? = row.cells[idColumn!], let user = log.users.index(of: id.trimmingSpaces()) else { return }
            for (position, name) in names.enumerated() {
                guard let cell = CellTyping.trimmed(row.cells[name]), cell != .null else { continue }
                known[position][Int(user)] = CellTyping.typed(cell)
            }
        }
        for name in names where !seen.contains(name) {
            throw AttuneError.invalid("attributes", "the user file has no column \"\(name)\"")
        }
        return zip(names, known).map { ($0, $1) }
    }
}
