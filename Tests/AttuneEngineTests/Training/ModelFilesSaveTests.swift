import AttuneCore
import AttuneEngine
import AttuneML
import AttuneTestSupport
import Foundation
import Testing

/// Two trainings that chose the same version (the command line and the server) never overwrite
/// each other's snapshot: the second save fails with a conflict and the first stays as written.
struct ModelFilesSaveTests {
    @Test func aSecondSaveOfTheSameVersionFailsAndLeavesTheFirst() async throws {
        let (files, saved, directory) = try await ModelIndexFileTests.trained()
        _ = directory
        let modelFile = files.directory.appendingPathComponent("default/v1.model").path
        let indexFile = files.directory.appendingPathComponent("default/v1.index").path
        let model = try #require(FileManager.default.contents(atPath: modelFile))
        let index = try #require(FileManager.default.contents(atPath: indexFile))
        var other = saved
        other.metadata = .object([("trainedBy", .string("another process"))])
        do {
            try files.save(other)
            Issue.record("the second save of v1 succeeded")
        } catch let error as AttuneError {
            #expect(error.code == .conflict && error.message.contains("version 1"), "\(error)")
        }
        #expect(FileManager.default.contents(atPath: modelFile) == model && FileManager.default.contents(atPath: indexFile) == index)
        #expect(files.versions(in: .default) == [1])
        let names = try FileManager.default.contentsOfDirectory(atPath: files.directory.appendingPathComponent("default").path)
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
    }

    /// Saves racing on one version from several threads: exactly one wins, whichever it is.
    @Test func concurrentSavesOfOneVersionHaveOneWinner() async throws {
        let (files, saved, directory) = try await ModelIndexFileTests.trained()
        _ = directory
        var next = saved
        next.version = 2
        let attempt = next
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread.detachNewThread {
                            do {
                                try files.save(attempt)
                                continuation.resume(returning: true)
                            } catch let error as AttuneError where error.code == .conflict {
                                continuation.resume(returning: false)
                            } catch {
                                continuation.resume(throwing: error)
                            }
                        }
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1, "\(outcomes)")
        #expect(try files.load(version: 2, in: .default).version == 2)
    }
}
