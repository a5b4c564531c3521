import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct UserExportTests {
    func export(_ fixture: PersonFixture, model: ModelSnapshot?, pageSize: Int = 1_000) async throws -> (JSONValue, Int)? {
        var exporter = UserExport(store: fixture.store, clock: FixedClock()) { _ in model }
        exporter.pageSize = pageSize
        guard let summary = try await exporter.begin(PersonFixture.user, in: .default, actor: "key_test") else { return nil }
        var text = ""
        var pieces = 0
        try await exporter.write(summary, chunkBytes: 64) { piece in
            text += piece
            pieces += 1
        }
        return (try JSONParser().parse(text), pieces)
    }

    @Test(arguments: [1, 3, 1_000])
    func theExportHoldsEveryKindOfData(pageSize: Int) async throws {
        let fixture = try await PersonFixture()
        let snapshot = try await fixture.train()
        let (document, pieces) = try #require(try await export(fixture, model: snapshot, pageSize: pageSize))
        #expect(pieces > 1, "written in pieces, not as one string")
        #expect(document["userId"]?.stringValue == PersonFixture.user.rawValue)
        #expect(document["declared"]?["email"]?.stringValue == PersonFixture.email)
        #expect(document["profile"]?["computed"]?["events"] != nil)
        // The profile's history, newest first, down to the first event batch.
        guard case .array(let history)? = document["history"] else { Issue.record("no history"); return }
        #expect(history.first?["version"] == document["profile"]?["version"])
        #expect(history.last?["version"] == .number(1))
        #expect(history.last?["cause"]?.stringValue == "event")
        #expect(history.contains { $0["cause"]?.stringValue == "identify" && $0["anonymousId"]?.stringValue == PersonFixture.visitor.rawValue })
        #expect(history.contains { $0["cause"]?.stringValue == "patch" && $0["declared"] == .array([.string("email"), .string("plan")]) })
        #expect(document["identifiers"]?["anonymousIds"] == .array([.string(PersonFixture.visitor.rawValue)]))
        #expect(document["segments"] == .array([.object([("id", .string("seg_active")), ("name", .string("active"))])]))
        guard case .array(let exposures)? = document["exposures"] else { Issue.record("no exposures"); return }
        #expect(exposures.compactMap { $0["experiment"]?.stringValue } == ["exp1", "exp2"])
        #expect(document["model"]?["modelVersion"] == .number(Double(snapshot.version)))
        guard case .array(let vector)? = document["model"]?["userVector"] else { Issue.record("no vector"); return }
        #expect(vector.count == snapshot.userVector(of: PersonFixture.user.rawValue)?.count)
        #expect(!vector.isEmpty)
        guard case .array(let events)? = document["events"] else { Issue.record("no events"); return }
        // Six of their own, one as the linked visitor, one segment_entered.
        guard case .array(let texts)? = document["texts"] else { Issue.record("no texts"); return }
        #expect(texts.count == 1)
        #expect(texts.first?["text"]?.stringValue?.hasPrefix(PersonFixture.textPhrase) == true)
        #expect(texts.first?["mentions"] == .array([.object([
            ("kind", .string("item")), ("target", .string("A1")), ("sentiment", .number(-0.6)),
        ])]))
        #expect(texts.first?["sentiment"]?["label"]?.stringValue == "negative")
        #expect(events.count == 8)
        #expect(events.contains { $0["anonymousId"]?.stringValue == PersonFixture.visitor.rawValue })
        #expect(events.contains { $0["properties"]?["contact"]?.stringValue == PersonFixture.email })
    }

    @Test func anExportIsAuditedUnderTheDigestAndAnUnknownUserIsNil() async throws {
        let fixture = try await PersonFixture()
        let exporter = UserExport(store: fixture.store, clock: FixedClock()) { _ in nil }
        #expect(try await exporter.begin(UserID(unchecked: "nobody"), in: .default, actor: "key_test") == nil)
        #expect(try await fixture.store.auditRecords(after: 0, limit: 10).isEmpty)
        let (document, _) = try #require(try await export(fixture, model: nil))
        #expect(document["model"] == .null)
        let rows = try await fixture.store.auditRecords(after: 0, limit: 10)
        #expect(rows.map(\.entry.action) == [.userExported])
        #expect(rows.first?.entry.subject == UserDigest.auditSubject(PersonFixture.user))
        #expect(rows.first?.entry.actor == "key_test")
    }
}
