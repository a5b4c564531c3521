import AttuneCore
import AttuneClient
import Foundation

/// Passes requests to URLSession, but loses the answer to the first `lose` of them after the
/// server has processed them: the client cannot tell whether they arrived.
final class LosingTransport: AttuneTransport {
    private let inner = URLSessionTransport()
    private let remaining: Locked<Int>

    init(lose: Int) {
        remaining = Locked(lose)
    }

    func send(_ request: AttuneRequest) async throws -> AttuneResponse {
        let response = try await inner.send(request)
        let lost = remaining.withLock { left in
            defer { left -= 1 }
            return left > 0
        }
        if lost { throw URLError(.networkConnectionLost) }
        return response
    }
}

/// Answers the first `failures` requests with the given status, then passes them to URLSession.
final class FailingTransport: AttuneTransport {
    private let inner = URLSessionTransport()
    private let remaining: Locked<Int>
    let status: Int

    init(failures: Int, status: Int) {
        remaining = Locked(failures)
        self.status = status
    }

    func send(_ request: AttuneRequest) async throws -> AttuneResponse {
        let fail = remaining.withLock { left in
            defer { left -= 1 }
            return left > 0
        }
        if fail { return AttuneResponse(status: status) }
        return try await inner.send(request)
    }
}

/// Records each wait of `run()` without waiting, and ends the run after `limit` waits.
final class RecordingSleep: Sendable {
    private let waits = Locked<[Duration]>([])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    var recorded: [Duration] { waits.withLock { $0 } }

    func sleep(_ duration: Duration) async throws {
        let count = waits.withLock { list in
            list.append(duration)
            return list.count
        }
        if count >= limit { throw CancellationError() }
        await Task.yield()
    }
}
