import AttuneCore
import AttuneEngine
import AttuneTestSupport
import Dispatch
import Foundation
import Testing

/// Processes that start together on a new data directory (`attune serve --role api` beside
/// `attune worker`) each load the personal-data keys, which the first one creates.
struct PIIKeysConcurrentCreationTests {
    @Test func processesStartingTogetherAllGetTheKeysTheFileKeeps() throws {
        for _ in 0..<20 {
            let directory = try TemporaryDirectory()
            let path = directory.url.path
            let loaded = Locked<[String]>([])
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 6) { _ in
                do {
                    let keys = try PIIKeys.load(dataDirectory: path, environment: [:])
                    loaded.withLock { $0.append(keys.json) }
                } catch {
                    failures.withLock { $0.append(String(describing: error)) }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let kept = try #require(try PIIKeys.loadIfPresent(dataDirectory: directory.url.path, environment: [:]))
            // Every process protects with the keys a restart will read back.
            #expect(loaded.withLock { $0 }.allSatisfy { $0 == kept.json })
            #expect(loaded.withLock { $0 }.count == 6)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            #expect(leftovers == [PIIKeys.fileName])
        }
    }
}
