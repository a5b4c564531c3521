import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

struct ProfileAuditTests {
    @Test func anAdminReadOfAProfileIsAuditedWithTheKeyAndTheUser() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u9"}"#)
            #expect(try await client.call(.get, "/v1/users/u9").status == 200)
            // Refused and empty reads disclose nothing and write nothing.
            #expect(try await client.call(.get, "/v1/users/u9", key: TestServer.read).status == 403)
            #expect(try await client.call(.get, "/v1/users/nobody").status == 404)
        }
        // Read after the server's graceful shutdown, which writes every queued read row.
        let rows = try await server.store.auditRecords(after: 0, limit: 10)
        #expect(rows.count == 1)
        let entry = try #require(rows.first?.entry)
        #expect(entry.action == .profileRead)
        #expect(entry.subject == UserDigest.auditSubject(UserID(unchecked: "u9")))
        #expect(entry.workspace == .default)
        let adminID = try #require(try await server.store.keys().first { $0.digest == APIKeyFactory.digest(of: TestServer.admin) }?.id)
        #expect(entry.actor == adminID)
        #expect(try await AuditLog(store: server.store, clock: server.clock).verify().isIntact)
    }

    @Test func aReadIsAuditedByTheNextFlushWhileTheServerRuns() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client async throws in
            _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"u1"}"#)
            #expect(try await client.call(.get, "/v1/users/u1").status == 200)
            // Polled, not timed: the row is committed by a flush, not by the request.
            while try await server.store.auditRecords(after: 0, limit: 10).isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            let rows = try await server.store.auditRecords(after: 0, limit: 10)
            #expect(rows.map(\.entry.action) == [.profileRead])
            #expect(rows.first?.entry.subject == UserDigest.auditSubject(UserID(unchecked: "u1")))
            #expect(try await AuditLog(store: server.store, clock: server.clock).verify().isIntact)
        }
    }

    @Test func concurrentReadsAreAuditedExactlyOnceEach() async throws {
        let server = try TestServer()
        let users = 20
        let readsPerUser = 5
        try await server.makeApplication().test(.router) { client async throws in
            for user in 0..<users {
                _ = try await client.call(.post, "/v1/events", key: TestServer.write, body: #"{"type":"view","userId":"c\#(user)"}"#)
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { reads in
                for index in 0..<(users * readsPerUser) {
                    reads.addTask { try await client.call(.get, "/v1/users/c\(index % users)").status }
                }
                return try await reads.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.count == users * readsPerUser)
            #expect(statuses.allSatisfy { $0 == 200 })
        }
        let rows = try await server.store.auditRecords(after: 0, limit: 1_000).filter { $0.entry.action == .profileRead }
        #expect(rows.count == users * readsPerUser)
        for user in 0..<users {
            let subject = UserDigest.auditSubject(UserID(unchecked: "c\(user)"))
            #expect(rows.filter { $0.entry.subject == subject }.count == readsPerUser)
        }
        #expect(try await AuditLog(store: server.store, clock: server.clock).verify().isIntact)
    }
}
