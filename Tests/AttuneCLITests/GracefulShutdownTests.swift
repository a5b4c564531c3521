import AttuneCore
import AttuneTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM during ingestion: the server stops accepting, finishes what it accepted, and exits 0.
struct GracefulShutdownTests {
    @Test func sigtermFinishesInFlightRequestsAndExitsCleanly() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let admin = "term-admin-key-0123456789"
        let write = "term-write-key-0123456789"
        let (server, port) = try AttuneProcess.startServer(dataDirectory: data, adminKey: admin, writeKey: write)
        let acknowledged = Locked<Set<String>>([])
        let stop = Atomic<Bool>(false)
        let senders = (0..<3).map { worker in
            Thread.detachNewThreadWithResult {
                let client = BlockingClient(port: port)
                while !stop.load(ordering: .relaxed) {
                    let ids = (0..<10).map { _ in UUID().uuidString.lowercased() }
                    let body = "{\"batch\":[" + ids.map { "{\"id\":\"\($0)\",\"type\":\"view\",\"userId\":\"t\(worker)\"}" }.joined(separator: ",") + "]}"
                    guard let status = client.post(path: "/v1/events", key: write, body: body) else { break }
                    if status == 200 { acknowledged.withLock { $0.formUnion(ids) } }
                }
                return 0
            }
        }
        usleep(300_000)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        stop.store(true, ordering: .relaxed)
        for sender in senders { _ = sender.wait() }
        #expect(server.terminationReason == .exit)
        #expect(server.terminationStatus == 0)

        let (again, newPort) = try AttuneProcess.startServer(dataDirectory: data, adminKey: admin, writeKey: write)
        defer {
            again.terminate()
            again.waitUntilExit()
        }
        let stored = try BlockingClient(port: newPort).storedEventIDs(users: ["t0", "t1", "t2"], key: admin)
        let ids = acknowledged.withLock { $0 }
        #expect(!ids.isEmpty)
        #expect(ids.isSubset(of: stored))
    }
}
