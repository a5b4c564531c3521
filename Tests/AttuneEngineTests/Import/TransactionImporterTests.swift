import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct TransactionImporterTests {
    let clock = FixedClock()

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        return store
    }

    func events(_ store: SQLiteStore) async throws -> [Event] {
        try await store.events(in: .default, after: nil, limit: 100).map(\.event)
    }

    @Test func eachDistinctItemOfAnOrderIsOnePurchaseCarryingItsShareOfTheAmount() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "orders.csv",
            "customer_id,order_id,order_date,amount,item_ids,channel\nc1,o1,2025-01-02T03:04:05Z,30,i1|i2|i2,web\nc2,o2,1735787045,5,i3,\n"
        )
        let store = try await store()
        let report = try await TransactionImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.rowsRead == 2)
        #expect(report.imported == 3)
        #expect(report.rejected == 0)
        let stored = try await events(store)
        #expect(stored.map(\.type) == [.purchase, .purchase, .purchase])
        #expect(stored.map(\.userID?.rawValue) == ["c1", "c1", "c2"])
        #expect(stored.map(\.itemID?.rawValue) == ["i1", "i2", "i3"])
        #expect(stored.map(\.value) == [10, 20, 5])
        #expect(stored[0].timestamp == Timestamp(iso8601: "2025-01-02T03:04:05Z"))
        #expect(stored[0].properties == #"{"channel":"web","order_amount":30,"order_id":"o1"}"#)
        #expect(stored[1].properties == #"{"channel":"web","order_amount":30,"order_id":"o1","quantity":2}"#)
        #expect(stored[2].properties == #"{"order_amount":5,"order_id":"o2"}"#)
    }

    @Test func jsonLinesAndJSONArrayCellsAreItemLists() async throws {
        let files = try TemporaryDirectory()
        let jsonl = try files.file(
            "orders.jsonl", #"{"user_id": "c1", "order_id": 7, "total": 4, "items": ["a", "b"]}"# + "\n")
        let csv = try files.file("orders.csv", "customer,order,products\nc2,o9,\"[\"\"x\"\", \"\"y\"\"]\"\n")
        let store = try await store()
        let importer = TransactionImporter(store: store, clock: clock)
        #expect(try await importer.run(path: jsonl, workspace: .default).imported == 2)
        #expect(try await importer.run(path: csv, workspace: .default).imported == 2)
        let stored = try await events(store)
        #expect(stored.map(\.itemID?.rawValue) == ["a", "b", "x", "y"])
        #expect(stored.map(\.value) == [2, 2, nil, nil])
        #expect(stored[0].timestamp == clock.now())
    }

    /// Ids come from order and item, so the same orders again (even with another amount or time,
    /// as a later export might carry) add nothing.
    @Test func reimportingOrdersAddsNothing() async throws {
        let files = try TemporaryDirectory()
        let first = try files.file(
            "a.csv", "customer_id,order_id,timestamp,amount,item_ids\nc1,o1,1735787045,30,i1|i2\n")
        let again = try files.file(
            "b.csv",
            "customer_id,order_id,timestamp,amount,item_ids\nc1,o1,1735787999,31,i2|i1\nc1,o2,1735787999,1,i1\n")
        let store = try await store()
        let importer = TransactionImporter(store: store, clock: clock)
        #expect(try await importer.run(path: first, workspace: .default).imported == 2)
        let repeated = try await importer.run(path: first, workspace: .default)
        #expect(repeated.imported == 0 && repeated.duplicates == 2)
        let later = try await importer.run(path: again, workspace: .default)
        #expect(later.imported == 1 && later.duplicates == 2)
        #expect(try await store.stats(of: .default).events == 3)
    }

    /// With pseudonymisation keys the derived user is keyed: another key gives another id, and
    /// neither the id nor the stored trait holds the address.
    @Test func aKeyedAddressPicksAUserOnlyTheKeyCanRecompute() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("orders.csv", "email,order_id,item_ids\n Ann@Example.COM ,o1,i1\n")
        var ids: [UserID] = []
        for protection in [PIIProtection(keys: PIIKeys.generate()), PIIProtection(keys: PIIKeys.generate())] {
            let store = try await store()
            var importer = TransactionImporter(store: store, clock: clock)
            importer.pii = protection
            #expect(try await importer.run(path: path, workspace: .default).imported == 1)
            let user = try #require(try await events(store).first?.userID)
            #expect(user.rawValue == "email-" + protection.token("ann@example.com", field: "email").prefix(32))
            let traits = try #require(try await store.traits(of: user, in: .default))
            #expect(!traits.contains("example.com"), "\(traits)")
            ids.append(user)
        }
        #expect(ids[0] != ids[1])
    }

    /// Without a customer id the address picks the user: the same however it is written, the same
    /// in every import; the address is kept as the `email` trait. With a customer id the id wins.
    @Test func anEmailWithoutACustomerIdMapsToOneDerivedUser() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "orders.csv",
            "customer_id,email,order_id,item_ids\n,  Ann@Example.COM ,o1,i1\n,ann@example.com,o2,i2\nc9,bob@example.com,o3,i3\n"
        )
        let store = try await store()
        let report = try await TransactionImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.imported == 3)
        let stored = try await events(store)
        let ann = try #require(stored[0].userID)
        #expect(stored[1].userID == ann)
        #expect(ann.rawValue.hasPrefix("email-") && ann.rawValue.count == 38)
        #expect(!ann.rawValue.contains("ann"))
        #expect(stored[2].userID?.rawValue == "c9")
        #expect(try await store.traits(of: ann, in: .default) == #"{"email":"ann@example.com"}"#)
        #expect(try await store.traits(of: UserID(unchecked: "c9"), in: .default) == #"{"email":"bob@example.com"}"#)

        let other = try await self.store()
        let elsewhere = try files.file("other.csv", "email,order_id,item_ids\nANN@example.com,x1,i1\n")
        _ = try await TransactionImporter(store: other, clock: clock).run(path: elsewhere, workspace: .default)
        #expect(try await events(other).first?.userID == ann)
    }

    @Test(arguments: [
        ("c1,,2025-01-02T03:04:05Z,1,i1", "order_id"),
        ("c1,o1,2025-01-02T03:04:05Z,1,", "item_ids"),
        ("c1,o1,2025-01-02T03:04:05Z,1,|", "item_ids"),
        ("c1,o1,2025-01-02T03:04:05Z,-3,i1", "amount"),
        ("c1,o1,2025-01-02T03:04:05Z,ten,i1", "amount"),
        ("c1,o1,2025-01-02T03:04:05Z,nan,i1", "amount"),
        ("c1,o1,yesterday,1,i1", "order_date"),
        ("c1,o1,2999-01-01T00:00:00Z,1,i1", "order_date"),
        ("c1,o1,2025-01-02T03:04:05Z,1,\"[\"\"i1\"\"\"", "item_ids"),
        ("c1,o1,2025-01-02T03:04:05Z,1,\"[1.5]\"", "item_ids"),
        (",o1,2025-01-02T03:04:05Z,1,i1", "customer_id"),
        ("c1,o1,2025-01-02T03:04:05Z,1," + Array(repeating: "i", count: 1_001).joined(separator: "|"), "item_ids"),
    ])
    func aBadRowIsRejectedNamingItsFieldAndStoresNothing(_ row: String, _ field: String) async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "bad.csv", "customer_id,order_id,order_date,amount,item_ids\n\(row)\nc2,o2,2025-01-02T03:04:05Z,1,i9\n")
        let store = try await store()
        let report = try await TransactionImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.rejected == 1)
        #expect(report.problems.first?.line == 2)
        #expect(report.problems.first?.message.hasPrefix(field) == true, "\(report.problems)")
        #expect(try await events(store).map(\.itemID?.rawValue) == ["i9"])
    }

    @Test func aBadEmailIsRejected() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "bad.csv", "email,order_id,item_ids\nnot-an-address,o1,i1\na@b@c,o2,i1\n\"a b@c.d\",o3,i1\n")
        let store = try await store()
        let report = try await TransactionImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.rejected == 3)
        #expect(report.problems.allSatisfy { $0.message.hasPrefix("email") })
        #expect(try await store.stats(of: .default).events == 0)
    }

    @Test(arguments: [
        ("customer_id,item_ids\nc1,i1\n", "order"),
        ("customer_id,order_id\nc1,o1\n", "item"),
        ("name,order_id,item_ids\nx,o1,i1\n", "customer"),
    ])
    func aFileWithoutARequiredColumnIsRefusedWhole(_ csv: String, _ missing: String) async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("orders.csv", csv)
        let store = try await store()
        await #expect {
            try await TransactionImporter(store: store, clock: clock).run(path: path, workspace: .default)
        } throws: { error in
            "\(error)".contains(missing)
        }
        #expect(try await store.stats(of: .default).events == 0)
    }

    @Test func namedColumnsAndADryRun() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("orders.tsv", "Kunde\tBestellung\tWert\tArtikel\nc1\tb1\t8\ti1;i2\n")
        let store = try await store()
        var columns = TransactionColumns()
        columns.user = "Kunde"
        columns.order = "Bestellung"
        columns.amount = "Wert"
        columns.items = "Artikel"
        columns.listSeparator = ";"
        let importer = TransactionImporter(store: store, clock: clock)
        let dry = try await importer.run(path: path, workspace: .default, columns: columns, dryRun: true)
        #expect(dry.imported == 2)
        #expect(try await store.stats(of: .default).events == 0)
        #expect(try await importer.run(path: path, workspace: .default, columns: columns).imported == 2)
        #expect(try await events(store).map(\.value) == [4, 4])
    }
}
