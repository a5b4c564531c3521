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
