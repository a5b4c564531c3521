import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

@testable import attune

/// The worker evaluates segment rules (the sweep, the import folder): over pseudonymised attributes
/// they must read values, not ciphertexts, from the worker's first start on a fresh data directory.
struct WorkerStoreTests {
    @Test func onAFreshDataDirectoryTheWorkersStoreRevealsProtectedValues() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        #expect(!FileManager.default.fileExists(atPath: data + "/" + PIIKeys.fileName), "no keys yet")
        let (store, _) = try WorkerCommand.openStore(data, durability: .normal)
        #expect(FileManager.default.fileExists(atPath: data + "/" + PIIKeys.fileName), "the keys are made")
        #expect(store.revealsDeclaredValues)
    }
}
