import AttuneML
import Testing

struct KNNImputerTests {
    /// Users in four taste groups; each group has its own behaviour prototype and its own typical
    /// age and label, so behaviour predicts both (with noise on either side).
    struct Population {
        var features: DenseMatrix
        var ages: [Float]
        var labels: [Int32]
    }

    static func population(users: Int = 240, seed: UInt64 = 7) throws -> Population {
        var rng = SeededGenerator(seed: seed)
        let dimension = 16
        let groupAges: [Float] = [22, 34, 47, 61]
        let prototypes = (0..<4).map { _ in (0..<dimension).map { _ in rng.nextUnitFloat() * 2 - 1 } }
        var values: [Float] = []
        var ages: [Float] = []
        var labels: [Int32] = []
        for user in 0..<users {
            let group = user % 4
            values += prototypes[group].map { $0 + (rng.nextUnitFloat() - 0.5) * 0.8 }
            ages.append(groupAges[group] + (rng.nextUnitFloat() - 0.5) * 12)
            // The label agrees with the group four times in five.
            labels.append(rng.nextUnitFloat() < 0.8 ? Int32(group % 2) : Int32(1 - group % 2))
        }
        return Population(
            features: try DenseMatrix(rowCount: users, columnCount: dimension, values: values), ages: ages, labels: labels)
    }

    /// Hides a seeded fifth of the rows; the rest are donors.
    static func split(_ count: Int, seed: UInt64) -> (hidden: [Int32], donors: [Int32]) {
        var rng = SeededGenerator(seed: seed)
        let shuffled = Array(0..<Int32(count)).shuffled(using: &rng)
        let hidden = Array(shuffled.prefix(count / 5))
        return (hidden.sorted(), Array(shuffled.dropFirst(count / 5)).sorted())
    }

    @Test func weightedMeanBeatsTheMeanBaseline() throws {
        let population = try Self.population()
        let (hidden, donors) = Self.split(population.ages.count, seed: 42)
        let imputer = try KNNImputer(features: population.features, k: 10)
        let neighbourhoods = try imputer.neighbours(of: hidden, among: donors)
        let spread = KNNImputer.standardDeviation(population.ages, at: donors)
        let estimates = neighbourhoods.weightedMeans(of: population.ages, spread: spread)
        let donorMean = donors.map { population.ages[Int($0)] }.reduce(0, +) / Float(donors.count)
        var knnError: Float = 0
        var baselineError: Float = 0
        for (q, row) in hidden.enumerated() {
            let estimate = try #require(estimates[q])
            knnError += abs(estimate.value - population.ages[Int(row)])
            baselineError += abs(donorMean - population.ages[Int(row)])
            #expect((0...1).contains(estimate.confidence))
        }
        // Groups sit 12-14 years apart with ±6 of noise: neighbours in the right group land
        // within a few years, the population mean about 13 years off.
        #expect(knnError / Float(hidden.count) < 0.5 * baselineError / Float(hidden.count))
    }

    @Test func weightedVoteBeatsTheMajorityBaseline() throws {
        let population = try Self.population()
        let (hidden, donors) = Self.split(population.labels.count, seed: 42)
        let imputer = try KNNImputer(features: population.features, k: 10)
        let votes = try imputer.neighbours(of: hidden, among: donors).weightedVotes(of: population.labels, labelCount: 2)
        let ones = donors.filter { population.labels[Int($0)] == 1 }.count
        let majority: Int32 = ones * 2 > donors.count ? 1 : 0
        var knnRight = 0
        var baselineRight = 0
        for (q, row) in hidden.enumerated() {
            let vote = try #require(votes[q])
            if vote.value == population.labels[Int(row)] { knnRight += 1 }
            if majority == population.labels[Int(row)] { baselineRight += 1 }
        }
        #expect(knnRight > baselineRight + hidden.count / 10)
    }

    @Test func aDonorQueryNeverFindsItself() throws {
        let features = try DenseMatrix(rowCount: 3, columnCount: 2, values: [1, 0, 1, 0.1, 0, 1])
        let found = try KNNImputer(features: features, k: 2).neighbours(of: [0], among: [0, 1, 2])
        #expect(found.neighbours(of: 0).map(\.row) == [1])  // row 2 is orthogonal: no vote
    }

    @Test func weightsFollowSimilarity() throws {
        // Query (1,0); donors at 0° (age 20), ~45° (age 60), 90° (ignored).
        let features = try DenseMatrix(rowCount: 4, columnCount: 2, values: [1, 0, 2, 0, 1, 1, 0, 3])
        let ages: [Float] = [0, 20, 60, 99]
        let found = try KNNImputer(features: features, k: 3).neighbours(of: [0], among: [1, 2, 3])
        let estimate = try #require(found.weightedMeans(of: ages, spread: 20).first ?? nil)
        let w: Float = 1 / Float(2).squareRoot()
        #expect(abs(estimate.value - (20 + w * 60) / (1 + w)) < 1e-4)
        #expect(found.counts == [2])
    }

    @Test func aQueryResemblingNoDonorGetsNoEstimate() throws {
        let features = try DenseMatrix(rowCount: 3, columnCount: 2, values: [1, 0, 0, 1, 0, 0])
        let found = try KNNImputer(features: features, k: 5).neighbours(of: [0, 2], among: [1])
        #expect(found.weightedMeans(of: [0, 30, 0], spread: 1) == [nil, nil])
        #expect(found.weightedVotes(of: [0, 1, 0], labelCount: 2) == [nil, nil])
    }

    @Test func threadsDoNotChangeTheAnswer() throws {
        let population = try Self.population(users: 300)
        let (hidden, donors) = Self.split(300, seed: 3)
        let imputer = try KNNImputer(features: population.features, k: 7)
        #expect(try imputer.neighbours(of: hidden, among: donors, threads: 1)
            == imputer.neighbours(of: hidden, among: donors, threads: 2))
    }

    @Test(arguments: [0, -3])
    func nonPositiveKIsRefused(k: Int) throws {
        let features = try DenseMatrix(rowCount: 1, columnCount: 1, values: [1])
        #expect(throws: AttuneMLError.invalidArgument("")) { try KNNImputer(features: features, k: k) }
    }

    @Test func rowsOutsideTheMatrixAreRefused() throws {
        let imputer = try KNNImputer(features: try DenseMatrix(rowCount: 2, columnCount: 1, values: [1, 2]), k: 1)
        #expect(throws: AttuneMLError.indexOutOfRange("")) { try imputer.neighbours(of: [2], among: [0]) }
    }

    @Test func noDonorsMeansNoEstimates() throws {
        let imputer = try KNNImputer(features: try DenseMatrix(rowCount: 2, columnCount: 1, values: [1, 2]), k: 3)
        let found = try imputer.neighbours(of: [0, 1], among: [])
        #expect(found.weightedMeans(of: [0, 0], spread: 0) == [nil, nil])
    }
}
