import AttuneCore
import AttuneTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Kills `attune serve` with SIGKILL in the middle of ingestion and checks that every event the
/// server acknowledged is stored after a restart.
struct CrashRecoveryTests {
    static let admin = "crash-admin-key-0123456789"
    static let write = "crash-write-key-0123456789"

    @Test func acknowledgedEventsSurviveSIGKILL() async throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let acknowledged = Locked<Set<String>>([])
        var sent = 0
        for round in 0..<3 {
            let (server, port) = try AttuneProcess.startServer(dataDirectory: data, adminKey: Self.admin, writeKey: Self.write)
            let stop = Atomic<Bool>(false)
            // Four concurrent senders; each records the ids of batches answered 200.
            let senders = (0..<4).map { worker in
                Thread.detachNewThreadWithResult {
                    var count = 0
                    let client = BlockingClient(port: port)
                    var batch = 0
                    while !stop.load(ordering: .relaxed) {
                        let ids = (0..<20).map { _ in UUID().uuidString.lowercased() }
                        let body = "{\"batch\":[" + ids.map { "{\"id\":\"\($0)\",\"type\":\"view\",\"userId\":\"u\(worker)\",\"itemId\":\"i\(batch)\"}" }.joined(separator: ",") + "]}"
                        guard let status = client.post(path: "/v1/events", key: Self.write, body: body) else { break }
                        if status == 200 { acknowledged.withLock { $0.formUnion(ids) } }
                        count += ids.count
                        batch += 1
                    }
                    return count
                }
            }
            // Let ingestion run for a varying moment, then kill without warning.
            usleep(useconds_t(150_000 + round * 120_000))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            stop.store(true, ordering: .relaxed)
            for sender in senders { sent += sender.wait() }
        }
        let ids = acknowledged.withLock { $0 }
        #expect(ids.count > 0)
        #expect(sent >= ids.count)

        let (server, port) = try AttuneProcess.startServer(dataDirectory: data, adminKey: Self.admin, writeKey: Self.write)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let stored = try BlockingClient(port: port).storedEventIDs(users: (0..<4).map { "u\($0)" }, key: Self.admin)
        let lost = ids.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events lost")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `wait()` returns its result.
    static func detachNewThreadWithResult<T: Sendable>(_ body: @escaping @Sendable () -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        Thread.detachNewThread {
            result.set(body())
        }
        return result
    }
}

final class ThreadResult<T: Sendable>: Sendable {
    private let value = Locked<T?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func set(_ v: T) {
        value.withLock { $0 = v }
        done.signal()
    }

    func wait() -> T {
        done.wait()
        return value.withLock { $0! }
    }
}
