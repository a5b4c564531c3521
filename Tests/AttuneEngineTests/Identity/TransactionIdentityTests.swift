import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

/// Orders that carry only an address join the person another source knows by it.
struct TransactionIdentityTests {
    @Test func anAddressOnlyOrderMergesIntoTheCustomerTheCRMKnows() async throws {
        var f = try await IdentityFixture()
        try await f.events("crm-17", count: 2)
        _ = try await f.attach("crm-17", email: "ann@example.com", source: "crm")
        let files = try TemporaryDirectory()
        let orders = try files.file(
            "orders.csv", "email,order_id,item_ids,amount\n  ANN@Example.com ,o1,i7|i8,30\nbob@example.org,o2,i9,5\n")
        var importer = TransactionImporter(store: f.store, clock: f.clock)
        importer.identity = f.identity
        let report = try await importer.run(path: orders, workspace: .default, actor: "test")
        #expect(report.imported == 3)
        #expect(report.merges == 1, "only Ann is known elsewhere")
        #expect(try await f.eventCount("crm-17") == 4, "the two orders' events moved to the CRM customer")
        let bob = try #require(try await f.store.events(in: .default, after: nil, limit: 100).first { $0.event.itemID?.rawValue == "i9" })
        #expect(try await f.canonical(bob.event.userID!.rawValue) == bob.event.userID!.rawValue, "Bob stays his own person")

        let again = try await importer.run(path: orders, workspace: .default, actor: "test")
        #expect(again.imported == 0 && again.merges == 0, "a re-import adds and merges nothing")
        #expect(try await f.eventCount("crm-17") == 4)
    }
}
