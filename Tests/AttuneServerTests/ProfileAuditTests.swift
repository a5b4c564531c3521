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
}
