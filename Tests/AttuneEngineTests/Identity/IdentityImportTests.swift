import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct IdentityImportTests {
    typealias ID = IdentityFixture

    func importer(_ f: IdentityFixture, source: String, external: String? = nil) -> UserImporter {
        var importer = UserImporter(store: f.store, clock: f.clock)
        importer.identity = f.identity
        importer.source = source
        importer.externalIDColumn = external
        importer.defaultCountryCode = "44"
        return importer
    }

    @Test func threeSourcesMergeThroughDifferentlyWrittenAddressesAndReimportingChangesNothing() async throws {
        let files = try TemporaryDirectory()
        let crm = try files.file(
            "crm.csv",
            "user_id,email,phone,city,crm_id\ncrm-1,  Ann@Example.com,020 7946 0958,York,C-1\ncrm-2,bob@example.com,,Leeds,C-2\n")
        let shop = try files.file("shop.csv", "customer_id,email,city\nshop-9,ann@example.com ,Hull\nshop-7,BOB@example.com,Bath\n")
        let web = try files.file("web.jsonl", #"{"user_id":"web-5","phone":"+44 20 7946 0958","plan":"pro"}"# + "\n")
        let f = try await IdentityFixture()
        try await f.store.setSourcePriority(["crm", "shop"], in: .default)
        let first = [
            try await importer(f, source: "crm", external: "crm_id").run(path: crm, workspace: .default),
            try await importer(f, source: "shop").run(path: shop, workspace: .default),
            try await importer(f, source: "web").run(path: web, workspace: .default),
        ]
        #expect(first.map(\.merges) == [0, 2, 1])
        #expect(first.map(\.rejected) == [0, 0, 0])
        #expect(try await f.canonical("shop-9") == "crm-1")
        #expect(try await f.canonical("web-5") == "crm-1")
        #expect(try await f.canonical("shop-7") == "crm-2")
        #expect(try await f.store.traits(of: ID.id("crm-1"), in: .default) == #"{"city":"York","crm_id":"C-1","email":"  Ann@Example.com","phone":"020 7946 0958","plan":"pro"}"#)
        let identifiers = try await f.store.identifiers(of: [ID.id("crm-1")], in: .default)
        #expect(identifiers.map(\.kind.rawValue) == ["email", "external:crm", "phone"])
        #expect(identifiers.first { $0.kind.rawValue == "external:crm" }?.value == "C-1")

        let users = ["crm-1", "crm-2", "shop-9", "shop-7", "web-5"]
        let before = try await f.state(users)
        f.clock.advance(milliseconds: 60_000)
        let again = [
            try await importer(f, source: "crm", external: "crm_id").run(path: crm, workspace: .default),
            try await importer(f, source: "shop").run(path: shop, workspace: .default),
            try await importer(f, source: "web").run(path: web, workspace: .default),
        ]
        #expect(again.map(\.merges) == [0, 0, 0])
        #expect(try await f.state(users) == before, "no new merge, version, trait change or audit row")
    }

    @Test func malformedIdentifiersRejectTheirRowOnly() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "users.csv", "user_id,email,phone\nu1,not-an-address,\nu2,,12\nu3,u3@example.com,+1 415 555 0100\nu4,a@b@c.com,\n")
        let f = try await IdentityFixture()
        var importer = UserImporter(store: f.store, clock: f.clock)
        importer.identity = f.identity
        let report = try await importer.run(path: path, workspace: .default)
        #expect(report.imported == 2)
        #expect(report.problems.map(\.line) == [2, 5])
        #expect(report.problems.map { String($0.message.split(separator: ":")[0]) } == ["email", "email"])
        #expect(report.problems.allSatisfy { !$0.message.contains("not-an-address") }, "no personal data in the report")
        // A phone number that is not one is skipped with a warning; the row's other values stay.
        #expect(report.warned == 1)
        #expect(report.warnings.map(\.line) == [3])
        #expect(report.warnings.first?.message.hasPrefix("phone:") == true, "\(report.warnings)")
        #expect(try await f.store.traits(of: ID.id("u2"), in: .default) != nil)
        for user in ["u1", "u2", "u4"] {
            #expect(try await f.store.identifiers(of: [ID.id(user)], in: .default).isEmpty)
        }
        for user in ["u1", "u4"] {
            #expect(try await f.store.traits(of: ID.id(user), in: .default) == nil)
        }
    }

    @Test func aNationalPhoneWithoutACountryCodeIsSkippedAndTheRowsEmailStillMerges() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "users.csv", "user_id,email,phone,city\nc1,ann@example.com,020 7946 0958,York\nc2, Ann@Example.com ,,Leeds\n")
        let f = try await IdentityFixture()
        var importer = UserImporter(store: f.store, clock: f.clock)
        importer.identity = f.identity
        let report = try await importer.run(path: path, workspace: .default)
        #expect(report.imported == 2)
        #expect(report.rejected == 0)
        #expect(report.warnings.map(\.line) == [2])
        #expect(report.warnings.first?.message.contains("international form") == true, "\(report.warnings)")
        #expect(report.merges == 1, "the e-mail of the row with the skipped phone still identifies it")
        #expect(try await f.canonical("c2") == "c1")
        let kinds = try await f.store.identifiers(of: [ID.id("c1"), ID.id("c2")], in: .default).map(\.kind.rawValue)
        #expect(kinds == ["email"])
    }
}
