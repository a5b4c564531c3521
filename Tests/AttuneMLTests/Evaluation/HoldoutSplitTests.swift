import Testing
@testable import AttuneML

struct HoldoutSplitTests {
    @Test func ordersByTimestampThenItem() throws {
        let seqs = try HoldoutSplit.chronologicalSequences(
            users: [0, 0, 0, 0, 1], items: [3, 7, 1, 4, 2], timestamps: [5, 1, 5, 2, 9], userCount: 3)
        #expect(seqs == [[7, 4, 1, 3], [2], []])
    }

    @Test func holdsOutTheLastNOfEachUser() {
        let split = HoldoutSplit(sequences: [[7, 4, 1, 3], [2], []], holdout: 2)
        #expect(split.head == [[7, 4], [], []])
        #expect(split.tail == [[1, 3], [2], []])
    }

    @Test func validationDropsUsersWithEmptySubtrain() {
        let train = HoldoutSplit(sequences: [[1, 2, 3, 4, 5], [6, 7, 8, 9]], holdout: 2)
        let validation = HoldoutSplit(sequences: train.head, holdout: 2)
        #expect(validation.head == [[1], []])
        #expect(validation.tail == [[2, 3], [6, 7]])
        #expect(validation.usersWithHistory == [0])
    }

    @Test func rejectsMismatchedArraysAndUnknownUsers() {
        #expect(throws: AttuneMLError.dimensionMismatch("")) {
            try HoldoutSplit.chronologicalSequences(users: [0], items: [1, 2], timestamps: [1], userCount: 1)
        }
        #expect(throws: AttuneMLError.indexOutOfRange("")) {
            try HoldoutSplit.chronologicalSequences(users: [4], items: [1], timestamps: [1], userCount: 2)
        }
    }

    @Test func trainingMatrixHoldsTheHead() throws {
        let split = HoldoutSplit(sequences: [[3, 0, 2], [1, 2]], holdout: 1)
        let m = try split.trainingMatrix(itemCount: 4)
        #expect(Array(m.columns(ofRow: 0)) == [0, 3])
        #expect(Array(m.columns(ofRow: 1)) == [1])
    }
}
