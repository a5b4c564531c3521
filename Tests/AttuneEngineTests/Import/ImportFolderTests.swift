import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct ImportFolderTests {
    let clock = FixedClock()

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        return store
    }

    /// A folder that keeps imported files in `done/` unless told `.delete`.
    func folder(_ directory: TemporaryDirectory, store: SQLiteStore, imported: ImportedFilePolicy = .keep) -> ImportFolder {
        var folder = ImportFolder(
            directory: directory.url.path, clock: clock, logger: Logger(label: "test"),
            importer: ImportFolder.importer(
                store: store, clock: clock, consent: ConsentService(store: store, clock: clock, registry: nil), pii: nil
            ))
        folder.imported = imported
        return folder
    }

    func exists(_ directory: TemporaryDirectory, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(path).path)
    }

    func report(_ directory: TemporaryDirectory, _ path: String) throws -> JSONValue {
        let text = try String(contentsOf: directory.url.appendingPathComponent(path), encoding: .utf8)
        return try JSONParser().parse(text)
    }

    @Test(arguments: [
        ("events-shop.csv", "user_id,item_id,timestamp\nu1,i1,1735787045\n"),
        ("Events_2026.csv", "user_id,item_id,timestamp\nu1,i1,1735787045\n"),
        ("transactions-1.csv", "customer_id,order_id,item_ids\nu1,o1,i1\n"),
        ("users-crm.csv", "user_id,city\nu1,Berlin\n"),
        ("items-catalog.csv", "item_id,title\ni1,One\n"),
        ("consent-2026.csv", "user_id,marketing\nu1,true\n"),
    ])
    func eachKindIsImportedFromItsNamePrefixAndMovedToDoneWithAReport(_ name: String, _ contents: String) async throws {
        let directory = try TemporaryDirectory()
        _ = try directory.file(name, contents)
        let store = try await store()
        let folder = folder(directory, store: store)
        var state = ImportFolder.ScanState()
        // The first scan only notes the file: it might still be being written.
        #expect(await folder.scan(&state).isEmpty)
        #expect(exists(directory, name))
        let reports = await folder.scan(&state)
        #expect(reports.map(\.outcome) == [.done])
        #expect(reports.first?.report?.imported == 1, "\(reports)")
        #expect(!exists(directory, name))
        #expect(exists(directory, "done/" + name))
        let written = try report(directory, "done/\(name).report.json")
        #expect(written["outcome"] == .string("done"))
        #expect(written["imported"] == .number(1))
        #expect(written["file"] == .string(name))
    }

    @Test func aSubfolderNamesTheKind() async throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("events"), withIntermediateDirectories: true)
        _ = try directory.file("events/daily.csv", "user_id,item_id,timestamp\nu1,i1,1735787045\nu2,i1,1735787045\n")
        let store = try await store()
        let folder = folder(directory, store: store)
        var state = ImportFolder.ScanState()
        _ = await folder.scan(&state)
        let reports = await folder.scan(&state)
        #expect(reports.map(\.kind) == [.events])
        #expect(exists(directory, "done/daily.csv"))
        #expect(try await store.stats(of: .default).events == 2)
    }

    /// A file that changes between scans is left alone until it stops changing; temporary names
    /// and dotfiles are never taken; a `.ready` marker lets a file in at once.
    @Test func aFileStillBeingWrittenIsNotTaken() async throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("events-growing.csv", "user_id,item_id,timestamp\nu1,i1,1735787045\n")
        _ = try directory.file("events-upload.csv.tmp", "user_id,item_id,timestamp\nu9,i1,1735787045\n")
        _ = try directory.file(".events-hidden.csv", "user_id,item_id,timestamp\nu9,i1,1735787045\n")
        _ = try directory.file("events-marked.csv", "user_id,item_id,timestamp\nu3,i1,1735787045\n")
        _ = try directory.file("events-marked.csv.ready", "")
        let store = try await store()
        let folder = folder(directory, store: store)
        var state = ImportFolder.ScanState()
        #expect(await folder.scan(&state).map(\.file) == ["events-marked.csv"])
        #expect(!exists(directory, "events-marked.csv.ready"))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("u2,i1,1735787046\n".utf8))
        try handle.close()
        #expect(await folder.scan(&state).isEmpty)
        let reports = await folder.scan(&state)
        #expect(reports.map(\.file) == ["events-growing.csv"])
        #expect(reports.first?.report?.imported == 2)
        #expect(await folder.scan(&state).isEmpty)
        #expect(exists(directory, "events-upload.csv.tmp") && exists(directory, ".events-hidden.csv"))
        #expect(try await store.stats(of: .default).events == 3)
    }

    @Test(arguments: [
        ("notes.csv", "user_id,item_id\nu1,i1\n", "name does not say"),
        ("events-broken.csv", "a,b\n1,2\n", "no user column"),
        ("items-none.csv", "item_id,title\n,x\n", "every row was rejected"),
        ("transactions-x.csv", "customer_id,item_ids\nc1,i1\n", "order"),
    ])
    func aFileThatCannotBeImportedGoesToFailedWithItsReason(_ name: String, _ contents: String, _ reason: String)
        async throws
    {
        let directory = try TemporaryDirectory()
        _ = try directory.file(name, contents)
        let store = try await store()
        let folder = folder(directory, store: store)
        var state = ImportFolder.ScanState()
        _ = await folder.scan(&state)
        let reports = await folder.scan(&state)
        #expect(reports.map(\.outcome) == [.failed])
        #expect(exists(directory, "failed/" + name))
        let written = try report(directory, "failed/\(name).report.json")
        #expect(written["error"]?.stringValue?.contains(reason) == true, "\(written)")
        #expect(try await store.stats(of: .default).events == 0)
        #expect(try await store.stats(of: .default).items == 0)
    }

    /// A restart between the import and the move (simulated by putting the file back after its
    /// move, as a crash before the move would leave it) finishes the move without importing again;
    /// a consent import, which is not idempotent, shows it: each import adds audit rows.
    @Test func aRestartFinishesTheMoveWithoutImportingAgain() async throws {
        let directory = try TemporaryDirectory()
        let name = "consent-daily.csv"
        let contents = "user_id,marketing\nu1,true\n"
        _ = try directory.file(name, contents)
        let store = try await store()
        var state = ImportFolder.ScanState()
        _ = await folder(directory, store: store).scan(&state)
        #expect(await folder(directory, store: store).scan(&state).first?.report?.imported == 1)
        let audited = try await store.auditRecords(after: 0, limit: 1_000).count
        #expect(audited > 0)
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("done"))
        _ = try directory.file(name, contents)

        var restarted = ImportFolder.ScanState()
        let fresh = folder(directory, store: store)
        _ = await fresh.scan(&restarted)
        let reports = await fresh.scan(&restarted)
        #expect(reports.map(\.outcome) == [.done])
        #expect(exists(directory, "done/" + name) && !exists(directory, name))
        #expect(try await store.auditRecords(after: 0, limit: 1_000).count == audited)

        // Another file under a name already in done/ is imported and kept beside the first.
        _ = try directory.file(name, "user_id,marketing\nu2,false\n")
        _ = await fresh.scan(&restarted)
        #expect(await fresh.scan(&restarted).first?.report?.imported == 1)
        #expect(
            exists(directory, "done/consent-daily-2.csv") && exists(directory, "done/consent-daily-2.csv.report.json"))
    }

    @Test(
        arguments: [
            ("events-a.csv", nil, ImportKind.events), ("USERS_b.jsonl", nil, .users), ("items-", nil, nil),
            ("eventsx.csv", nil, nil),
            ("daily.csv", "transactions", .transactions), ("daily.csv", "other", nil),
            ("consent_x.csv", "items", .consent),
        ] as [(String, String?, ImportKind?)])
    func theKindComesFromThePrefixThenTheSubfolder(_ name: String, _ folder: String?, _ kind: ImportKind?) {
        #expect(ImportKind(fileName: name, folder: folder) == kind)
    }
}

/// `--import-done delete` (the server's default): an imported file leaves no copy of its rows in
/// the folder, only its report; a failed file is still kept for someone to fix.
struct ImportFolderDeletionTests {
    let clock = FixedClock()
    static let email = "zq.folder.8812@example.org"

    @Test func anImportedFileIsDeletedAndOnlyItsReportStays() async throws {
        let directory = try TemporaryDirectory()
        let contents = "user_id,email,plan\nzq-f1,\(Self.email),pro\n"
        _ = try directory.file("users-crm.csv", contents)
        _ = try directory.file("events-bad.csv", "user_id,item_id,timestamp\n,,\n")
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        let tests = ImportFolderTests()
        let folder = tests.folder(directory, store: store, imported: .delete)
        var state = ImportFolder.ScanState()
        _ = await folder.scan(&state)
        let reports = await folder.scan(&state)
        #expect(Set(reports.map(\.outcome)) == [.done, .failed], "\(reports)")
        #expect(try await store.traits(of: UserID(unchecked: "zq-f1"), in: .default) != nil)
        #expect(!tests.exists(directory, "users-crm.csv") && !tests.exists(directory, "done/users-crm.csv"))
        #expect(tests.exists(directory, "done/users-crm.csv.report.json"))
        #expect(tests.exists(directory, "failed/events-bad.csv"), "a failed file is kept")
        #expect(Self.filesContaining(Self.email, under: directory.url).isEmpty, "no file in the folder holds the row")

        // The same bytes dropped again are known from the ledger: deleted, not imported twice.
        _ = try directory.file("users-crm.csv", contents)
        _ = await folder.scan(&state)
        let again = await folder.scan(&state)
        #expect(again.map(\.outcome) == [.done])
        #expect(!tests.exists(directory, "users-crm.csv") && !tests.exists(directory, "done/users-crm.csv"))
        #expect(Self.filesContaining(Self.email, under: directory.url).isEmpty)
    }

    static func filesContaining(_ text: String, under directory: URL) -> [String] {
        let needle = Data(text.utf8)
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if let data = try? Data(contentsOf: url), data.range(of: needle) != nil { found.append(url.path) }
        }
        return found
    }
}

/// With pseudonymisation on, every kind of file that names users refuses an e-mail address or a
/// phone number as the user id, as `attune import` does; the folder's report names the column and
/// not the value.
struct ImportFolderPersonalIDTests {
    let clock = FixedClock()
    static let email = "zq.folder.4471@example.org"
    static let phone = "+447700900177"

    @Test(arguments: [
        ("events-a.csv", "user_id,item_id,timestamp\nzq-p1,i1,1735787045\n\(email),i1,1735787045\n\(phone),i1,1735787045\n"),
        ("users-a.csv", "user_id,plan\nzq-p1,pro\n\(email),pro\n\(phone),free\n"),
        ("transactions-a.csv", "customer_id,order_id,item_ids\nzq-p1,o1,i1\n\(email),o2,i1\n\(phone),o3,i1\n"),
        ("consent-a.csv", "user_id,marketing\nzq-p1,true\n\(email),true\n\(phone),false\n"),
    ])
    func aPersonalUserIdRejectsItsRowWithoutBeingRepeated(_ name: String, _ contents: String) async throws {
        let directory = try TemporaryDirectory()
        _ = try directory.file(name, contents)
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        var folder = ImportFolder(
            directory: directory.url.path, clock: clock, logger: Logger(label: "test"),
            importer: ImportFolder.importer(
                store: store, clock: clock, consent: ConsentService(store: store, clock: clock, registry: nil),
                pii: PIIProtection(keys: PIIKeys.generate())))
        folder.imported = .delete
        var state = ImportFolder.ScanState()
        _ = await folder.scan(&state)
        let reports = await folder.scan(&state)
        let report = try #require(reports.first?.report, "\(reports)")
        #expect(report.imported == 1 && report.rejected == 2, "\(report)")
        #expect(report.problems.map(\.line) == [3, 4])
        #expect(report.problems.allSatisfy { $0.message.contains(": must not be") }, "\(report.problems)")
        for id in [Self.email, Self.phone] {
            let user = UserID(unchecked: id)
            #expect(try await store.consent(of: user, in: .default) == nil)
            #expect(try await store.traits(of: user, in: .default) == nil)
            #expect(try await store.events(of: user, in: .default, after: nil, limit: 10).isEmpty)
            // The report written to done/ is the only file left; it must not hold the id either.
            #expect(ImportFolderDeletionTests.filesContaining(id, under: directory.url).isEmpty)
        }
        #expect(ImportFolderTests().exists(directory, "done/\(name).report.json"))
    }
}
