import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Testing

struct EventImporterTests {
    let clock = FixedClock()

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        return store
    }

    @Test func importsPlainUserItemTimestampCSVWithNoOptions() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("train.csv", "user_id,item_id,timestamp\n1,10,881250949\n1,11,2025-01-02T03:04:05Z\n2,10,881250950000\n")
        let store = try await store()
        let report = try await EventImporter(store: store, clock: clock).run(path: path, options: ImportOptions())
        #expect(report.rowsRead == 3)
        #expect(report.imported == 3)
        #expect(report.rejected == 0)
        let events = try await store.events(in: .default, after: nil, limit: 10).map(\.event)
        #expect(events.map(\.userID?.rawValue) == ["1", "1", "2"])
        #expect(events.map(\.type.rawValue) == ["interaction", "interaction", "interaction"])
        #expect(events[0].timestamp.millisecondsSinceEpoch == 881_250_949_000)
        #expect(events[1].timestamp == Timestamp(iso8601: "2025-01-02T03:04:05Z"))
        #expect(events[2].timestamp.millisecondsSinceEpoch == 881_250_950_000)
    }

    @Test func reimportingTheSameFileAddsNothing() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.csv", "user_id,item_id,timestamp,type,value,page\nu1,i1,1700000000,purchase,9.5,/home\nu2,i2,1700000001,view,,\n")
        let store = try await store()
        let importer = EventImporter(store: store, clock: clock)
        let first = try await importer.run(path: path, options: ImportOptions())
        clock.advance(milliseconds: 60_000)
        let second = try await importer.run(path: path, options: ImportOptions())
        #expect(first.imported == 2)
        #expect(second.imported == 0)
        #expect(second.duplicates == 2)
        #expect(try await store.stats(of: .default).events == 2)
        let purchase = try await store.events(in: .default, after: nil, limit: 1)[0].event
        #expect(purchase.value == 9.5)
        #expect(purchase.properties == #"{"page":"/home"}"#)
    }

    @Test func reportsBadRowsWithLineNumbersAndKeepsGoodOnes() async throws {
        let files = try TemporaryDirectory()
        let csv = """
            user_id,item_id,timestamp,value
            u1,i1,1700000000,1
            ,i2,1700000000,1
            u3,i3,not-a-time,1
            u4,i4,1700000000,abc
            u5,i5
            "u6
            """
        let path = try files.file("bad.csv", csv + "\n")
        let store = try await store()
        let report = try await EventImporter(store: store, clock: clock).run(path: path, options: ImportOptions())
        #expect(report.imported == 1)
        #expect(report.rejected == 5)
        #expect(report.problems.map(\.line) == [3, 4, 5, 6, 7])
        #expect(report.problems[1].message.contains("timestamp"))
        #expect(try await store.stats(of: .default).events == 1)
    }

    @Test func invalidUTF8RowsAreRejectedNotMangled() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("utf.csv", bytes: Array("user_id,item_id\nu1,i1\n".utf8) + [0x75, 0xFF, 0x2C, 0x69, 0x0A])
        let store = try await store()
        let report = try await EventImporter(store: store, clock: clock).run(path: path, options: ImportOptions())
        #expect(report.imported == 1)
        #expect(report.problems == [ImportReport.Problem(line: 3, message: "invalid UTF-8")])
    }

    @Test func dryRunStoresNothing() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.csv", "user_id,item_id,timestamp\nu1,i1,1700000000\n")
        let store = try await store()
        var options = ImportOptions()
        options.dryRun = true
        let report = try await EventImporter(store: store, clock: clock).run(path: path, options: options)
        #expect(report.imported == 1)
        #expect(try await store.stats(of: .default).events == 0)
    }

    @Test func mapsColumnsByOptionAndReadsJSONLines() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "e.jsonl",
            """
            {"customer": "c1", "sku": "s1", "when": "2025-05-01T10:00:00Z", "kind": "purchase", "amount": 20, "properties": {"coupon": "X"}}

            {"customer": "c2", "sku": "s2", "when": 1746093600, "kind": "view"}
            not json
            [1, 2]
            """)
        let store = try await store()
        var options = ImportOptions()
        options.columns = ColumnMapping(user: "customer", item: "SKU", time: "when", type: "kind", value: "amount")
        let report = try await EventImporter(store: store, clock: clock).run(path: path, options: options)
        #expect(report.imported == 2)
        #expect(report.problems.map(\.line) == [4, 5])
        let first = try await store.events(in: .default, after: nil, limit: 1)[0].event
        #expect(first.type == .purchase)
        #expect(first.value == 20)
        #expect(first.properties == #"{"coupon":"X"}"#)
    }

    @Test func aNamedColumnMissingFromTheFileIsAnError() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.csv", "user_id,item_id\nu1,i1\n")
        var options = ImportOptions()
        options.columns.time = "ts"
        await #expect(throws: ImportFailure.missingColumn(option: "--time-column", name: "ts")) {
            try await EventImporter(store: try await store(), clock: clock).run(path: path, options: options)
        }
    }

    @Test func aFileWithoutAUserColumnIsRefused() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.csv", "item_id,timestamp\ni1,1700000000\n")
        await #expect(throws: ImportFailure.noIdentityColumn) {
            try await EventImporter(store: try await store(), clock: clock).run(path: path, options: ImportOptions())
        }
    }

    @Test func anEmptyFileIsRefused() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.csv", "")
        await #expect(throws: (any Error).self) {
            try await EventImporter(store: try await store(), clock: clock).run(path: path, options: ImportOptions())
        }
    }

    /// Found by fuzzing: an empty file went through Foundation's mapped read, which leaks for a
    /// zero-length file. It is now answered before the read: JSON Lines with nothing to import.
    @Test func anEmptyJSONLinesFileImportsNothing() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("e.jsonl", "")
        let report = try await EventImporter(store: try await store(), clock: clock).run(path: path, options: ImportOptions())
        #expect(report.rowsRead == 0)
        #expect(report.imported == 0)
    }
}

/// With pseudonymisation on, a row whose user id is an e-mail address or a phone number is
/// rejected with its column named; the other rows are imported. Off, the same file imports whole.
struct PersonalIDImportTests {
    let clock = FixedClock()

    @Test func eventUserAndTransactionRowsWithPersonalIdsAreRejectedWhenPseudonymised() async throws {
        let files = try TemporaryDirectory()
        let events = try files.file(
            "events.csv", "user_id,item_id,timestamp\nu1,i1,1700000000\nann@example.org,i2,1700000001\n+447700900123,i3,1700000002\n")
        let users = try files.file("users.csv", "customer,plan\nc1,pro\nann@example.org,free\n")
        let orders = try files.file(
            "orders.csv", "customer_id,order_id,order_date,amount,item_ids\nc1,o1,1735787045,5,i1\nann@example.org,o2,1735787045,5,i2\n")
        for pseudonymised in [true, false] {
            let store = try SQLiteStore()
            try await store.ensureWorkspace(.default, at: clock.now())
            let pii = pseudonymised ? PIIProtection(keys: PIIKeys.generate()) : nil
            var options = ImportOptions()
            options.pii = pii
            let eventReport = try await EventImporter(store: store, clock: clock).run(path: events, options: options)
            var userImporter = UserImporter(store: store, clock: clock)
            userImporter.pii = pii
            let userReport = try await userImporter.run(path: users, workspace: .default, userColumn: "customer")
            var orderImporter = TransactionImporter(store: store, clock: clock)
            orderImporter.pii = pii
            let orderReport = try await orderImporter.run(path: orders, workspace: .default)
            if pseudonymised {
                #expect(eventReport.imported == 1 && eventReport.rejected == 2)
                #expect(eventReport.problems.map(\.line) == [3, 4])
                #expect(eventReport.problems.allSatisfy { $0.message.hasPrefix("user_id: must not be") })
                #expect(userReport.imported == 1 && userReport.rejected == 1)
                #expect(userReport.problems.first?.message.hasPrefix("customer: must not be an e-mail address") == true)
                #expect(orderReport.rejected == 1)
                #expect(orderReport.problems.first?.message.hasPrefix("customer_id: must not be an e-mail address") == true)
                #expect(!(eventReport.problems + userReport.problems + orderReport.problems).contains { $0.message.contains("ann@") })
                let stored = try await store.events(in: .default, after: nil, limit: 100).compactMap(\.event.userID?.rawValue)
                #expect(stored.allSatisfy { PersonalDataID.kind(of: $0) == nil }, "\(stored)")
            } else {
                #expect(eventReport.imported == 3 && eventReport.rejected == 0)
                #expect(userReport.imported == 2 && userReport.rejected == 0)
                #expect(orderReport.rejected == 0)
            }
        }
    }

    @Test func consentAndTextRowsWithPersonalIdsAreRejectedWhenPseudonymised() async throws {
        let files = try TemporaryDirectory()
        let consent = try files.file(
            "consent.csv", "customer,marketing\nc1,true\nann@example.org,true\n+447700900123,false\n")
        let texts = try files.file(
            "texts.csv", "user_id,text\nc1,the i1 is great\nann@example.org,the i1 is great\n+447700900123,so so\n")
        let personal = [UserID(unchecked: "ann@example.org"), UserID(unchecked: "+447700900123")]
        for pseudonymised in [true, false] {
            let store = try SQLiteStore()
            try await store.ensureWorkspace(.default, at: clock.now())
            var consentImporter = ConsentImporter(service: ConsentService(store: store, clock: clock, registry: nil))
            consentImporter.refusesPersonalIDs = pseudonymised
            let consentReport = try await consentImporter.run(
                path: consent, workspace: .default, userColumn: "customer", actor: "test")
            var textImporter = TextImporter(ingestion: TextIngestion(
                store: store, clock: clock, analyzer: TextAnalyzer(sentiment: nil, pseudonymizer: nil)))
            textImporter.refusesPersonalIDs = pseudonymised
            let textReport = try await textImporter.run(path: texts, workspace: .default)
            #expect(try await store.consent(of: UserID(unchecked: "c1"), in: .default) != nil)
            #expect(try await store.texts(of: UserID(unchecked: "c1"), in: .default, after: nil, limit: 10).count == 1)
            if pseudonymised {
                #expect(consentReport.imported == 1 && consentReport.rejected == 2)
                #expect(consentReport.problems.map(\.line) == [3, 4])
                #expect(consentReport.problems.first?.message.hasPrefix("customer: must not be an e-mail address") == true)
                #expect(consentReport.problems.last?.message.hasPrefix("customer: must not be a phone number") == true)
                #expect(textReport.imported == 1 && textReport.rejected == 2)
                #expect(textReport.problems.map(\.line) == [3, 4])
                #expect(textReport.problems.first?.message.hasPrefix("user_id: must not be an e-mail address") == true)
                #expect(textReport.problems.last?.message.hasPrefix("user_id: must not be a phone number") == true)
                // The report is written next to the file and printed: it must not repeat the id.
                #expect(!(consentReport.problems + textReport.problems).contains {
                    $0.message.contains("ann@") || $0.message.contains("7700900123")
                })
                for user in personal {
                    #expect(try await store.consent(of: user, in: .default) == nil)
                    #expect(try await store.texts(of: user, in: .default, after: nil, limit: 10).isEmpty)
                }
            } else {
                #expect(consentReport.imported == 3 && consentReport.rejected == 0)
                #expect(textReport.imported == 3 && textReport.rejected == 0)
                for user in personal {
                    #expect(try await store.consent(of: user, in: .default) != nil)
                    #expect(try await store.texts(of: user, in: .default, after: nil, limit: 10).count == 1)
                }
            }
        }
    }
}
