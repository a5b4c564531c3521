import AttuneCore
import AttuneStore
import AttuneTestSupport
import Testing

/// What every backend's item catalogue must do, with the catalogue version that serving polls
/// (`TextStore.catalogVersion`). Each check takes a fresh, empty store.
package enum CatalogStoreConformance: ConformanceSuite {
    package typealias Store = CatalogStore & TextStore & WorkspaceStore

    package static let other = WorkspaceID(unchecked: "other")
    static let ghost = WorkspaceID(unchecked: "ghost")

    package static let checks: [(name: String, run: @Sendable (any Store) async throws -> Void)] = [
        ("itemsUpsertKeepCreationTimeAndPaginate", { try await itemsUpsertKeepCreationTimeAndPaginate($0) }),
        ("itemsReadBackFieldForField", { try await itemsReadBackFieldForField($0) }),
        ("anIdTwiceInOneBatchEndsAsTheLastVersion", { try await anIdTwiceInOneBatchEndsAsTheLastVersion($0) }),
        ("deletingAnItemOnlyMarksItUnavailable", { try await deletingAnItemOnlyMarksItUnavailable($0) }),
        (
            "pagesFollowByteOrderAndCoverTheCatalogueOnce",
            { try await pagesFollowByteOrderAndCoverTheCatalogueOnce($0) }
        ),
        ("aLargeBatchIsStoredWholeAndReplayable", { try await aLargeBatchIsStoredWholeAndReplayable($0) }),
        ("unknownWorkspacesAndEmptyInputs", { try await unknownWorkspacesAndEmptyInputs($0) }),
        ("theCatalogueVersionChangesWithTheCatalogue", { try await theCatalogueVersionChangesWithTheCatalogue($0) }),
        ("concurrentWritersOfOverlappingBatches", { try await concurrentWritersOfOverlappingBatches($0) }),
    ]

    static func prepare(_ store: some Store) async throws {
        try await store.ensureWorkspace(.default, at: Fixtures.now)
        try await store.ensureWorkspace(other, at: Fixtures.now)
    }

    static func id(_ raw: String) -> ItemID { ItemID(unchecked: raw) }

    static func itemsUpsertKeepCreationTimeAndPaginate(_ store: some Store) async throws {
        try await prepare(store)
        let created = Fixtures.now
        try await store.upsert(
            [Fixtures.item("b", categories: ["x"], at: created), Fixtures.item("a", at: created)], in: .default)
        let later = created.adding(milliseconds: 5_000)
        var updated = Fixtures.item("b", title: "New", categories: ["y", "z"], at: later)
        updated.properties = #"{"price":5}"#
        try await store.upsert([updated], in: .default)
        let item = try #require(try await store.item(id("b"), in: .default))
        #expect(item.title == "New")
        #expect(item.categories == ["y", "z"])
        #expect(item.properties == #"{"price":5}"#)
        #expect(item.createdAt == created)
        #expect(item.updatedAt == later)
        let page1 = try await store.items(in: .default, after: nil, limit: 1)
        #expect(page1.map(\.id.rawValue) == ["a"])
        let page2 = try await store.items(in: .default, after: page1.last!.id, limit: 5)
        #expect(page2.map(\.id.rawValue) == ["b"])
        #expect(try await store.item(id("b"), in: other) == nil)
        let some = try await store.items([id("a"), id("zz"), id("b")], in: .default)
        #expect(Set(some.keys.map(\.rawValue)) == ["a", "b"])
        #expect(some[id("b")] == item)
        #expect(try await store.items([id("a")], in: other).isEmpty)
        #expect(try await store.items([], in: .default).isEmpty)
    }

    static func itemsReadBackFieldForField(_ store: some Store) async throws {
        try await prepare(store)
        // Multi-byte text, quotes, backslashes and JSON-looking labels come back byte for byte.
        let full = Item(
            id: id("ß-𝄞-1"), title: #"Crème "brûlée" \ 🍮"#, description: "línea 1\nlínea 2\t✓",
            categories: ["Küche", #"a "quoted" \ label"#, "[]", ""], tags: ["🏷", "tag,with,commas"],
            properties: #"{"price":12.5,"note":"日本語","nested":{"a":[1,null,true]}}"#, available: false,
            createdAt: Fixtures.now.adding(milliseconds: -86_400_000), updatedAt: Fixtures.now.adding(milliseconds: 1))
        let bare = Item(
            id: id("bare"), createdAt: Timestamp(millisecondsSinceEpoch: 0),
            updatedAt: Timestamp(millisecondsSinceEpoch: -5))
        let long = Item(
            id: id(String(repeating: "x", count: ItemID.maxLength)), title: String(repeating: "é", count: 20_000),
            createdAt: Fixtures.now, updatedAt: Fixtures.now)
        try await store.upsert([full, bare, long], in: .default)
        #expect(try await store.item(full.id, in: .default) == full)
        #expect(try await store.item(bare.id, in: .default) == bare)
        #expect(try await store.item(long.id, in: .default) == long)
        #expect(
            try await store.items([full.id, bare.id, long.id], in: .default) == [
                full.id: full, bare.id: bare, long.id: long,
            ])
        #expect(
            try await store.allItems(in: .default)
                == [bare, full, long].sorted {
                    $0.id.rawValue.utf8.lexicographicallyPrecedes($1.id.rawValue.utf8)
                })
    }

    static func anIdTwiceInOneBatchEndsAsTheLastVersion(_ store: some Store) async throws {
        try await prepare(store)
        let first = Fixtures.item("a", title: "First", at: Fixtures.now)
        let second = Fixtures.item("a", title: "Second", categories: ["c"], at: Fixtures.now.adding(milliseconds: 10))
        try await store.upsert([first, second], in: .default)
        var expected = second
        expected.createdAt = first.createdAt
        #expect(try await store.item(id("a"), in: .default) == expected)

        // An existing item keeps its creation time whatever the batch says.
        let third = Fixtures.item("a", title: "Third", at: Fixtures.now.adding(milliseconds: 20))
        var fourth = Fixtures.item("a", title: "Fourth", at: Fixtures.now.adding(milliseconds: 30))
        fourth.available = false
        try await store.upsert([third, fourth, Fixtures.item("b")], in: .default)
        expected = fourth
        expected.createdAt = first.createdAt
        #expect(try await store.item(id("a"), in: .default) == expected)
        #expect(try await store.allItems(in: .default).map(\.id.rawValue) == ["a", "b"])
    }

    static func deletingAnItemOnlyMarksItUnavailable(_ store: some Store) async throws {
        try await prepare(store)
        try await store.upsert([Fixtures.item("a"), Fixtures.item("b")], in: .default)
        #expect(try await store.markUnavailable(id("a"), in: other, at: Fixtures.now) == false)
        #expect(try await store.markUnavailable(id("missing"), in: .default, at: Fixtures.now) == false)
        #expect(try await store.markUnavailable(id("a"), in: ghost, at: Fixtures.now) == false)
        let at = Fixtures.now.adding(milliseconds: 7)
        #expect(try await store.markUnavailable(id("a"), in: .default, at: at) == true)
        let item = try #require(try await store.item(id("a"), in: .default))
        #expect(item.available == false)
        #expect(item.updatedAt == at)
        #expect(item.createdAt == Fixtures.now)
        // Marking again still finds the item.
        #expect(try await store.markUnavailable(id("a"), in: .default, at: at) == true)
        let stats = try await store.stats(of: .default)
        #expect(stats.items == 2)
        #expect(stats.availableItems == 1)
        #expect(try await store.stats(of: other).items == 0)
    }

    static func pagesFollowByteOrderAndCoverTheCatalogueOnce(_ store: some Store) async throws {
        try await prepare(store)
        // Upper before lower case, digits as text, multi-byte after ASCII: byte order, not a locale's.
        let raw = ["b", "B", "a", "Z", "10", "9", "é", "e", "ä", "~", "a b", "a-b", "日本", "😀", "A"]
        try await store.upsert(raw.map { Fixtures.item($0) }, in: .default)
        let expected = byteOrdered(raw)
        #expect(try await store.items(in: .default, after: nil, limit: 100).map(\.id.rawValue) == expected)
        for size in [1, 2, 4] {
            var paged: [String] = []
            var cursor: ItemID?
            while true {
                let page = try await store.items(in: .default, after: cursor, limit: size)
                #expect(page.count <= size)
                paged += page.map(\.id.rawValue)
                guard let last = page.last, page.count == size else { break }
                cursor = last.id
            }
            #expect(paged == expected)
        }
        #expect(try await store.allItems(in: .default, pageSize: 3).map(\.id.rawValue) == expected)
        // A cursor that is not a stored id still starts after it.
        #expect(
            try await store.items(in: .default, after: id("b0"), limit: 100).map(\.id.rawValue)
                == expected.filter { !$0.utf8.lexicographicallyPrecedes("b0".utf8) })
        #expect(try await store.items(in: .default, after: nil, limit: 0).isEmpty)
        #expect(try await store.items(in: .default, after: id("😀"), limit: 10).isEmpty)
    }

    static func aLargeBatchIsStoredWholeAndReplayable(_ store: some Store) async throws {
        try await prepare(store)
        let items = (0..<5_000).map { n in
            var item = Fixtures.item("item-\(n)", title: "Item \(n)", categories: ["c\(n % 7)"], at: Fixtures.now)
            item.properties = n % 3 == 0 ? nil : #"{"n":\#(n)}"#
            item.available = n % 5 != 0
            return item
        }
        try await store.upsert(items, in: .default)
        // A replay (the client retrying after a lost answer) changes nothing.
        try await store.upsert(items, in: .default)
        let stored = try await store.allItems(in: .default, pageSize: 1_000)
        #expect(stored.count == items.count)
        #expect(stored == items.sorted { $0.id.rawValue.utf8.lexicographicallyPrecedes($1.id.rawValue.utf8) })
        let stats = try await store.stats(of: .default)
        #expect(stats.items == 5_000)
        #expect(stats.availableItems == 4_000)
        let wanted = (0..<5_000).filter { $0 % 10 == 0 }.map { id("item-\($0)") }
        #expect(try await store.items(wanted + [id("nope")], in: .default).count == wanted.count)
    }

    static func unknownWorkspacesAndEmptyInputs(_ store: some Store) async throws {
        try await prepare(store)
        await #expect(throws: AttuneError.notFound("workspace")) {
            try await store.upsert([Fixtures.item("a")], in: ghost)
        }
        await #expect(throws: AttuneError.notFound("workspace")) { try await store.upsert([], in: ghost) }
        try await store.upsert([], in: .default)
        #expect(try await store.item(id("a"), in: ghost) == nil)
        #expect(try await store.items([id("a")], in: ghost).isEmpty)
        #expect(try await store.items(in: ghost, after: nil, limit: 10).isEmpty)
        #expect(try await store.catalogVersion(in: ghost) == [])
        #expect(try await store.allItems(in: .default).isEmpty)
        #expect(try await store.workspaces() == [.default, other])
    }

    static func theCatalogueVersionChangesWithTheCatalogue(_ store: some Store) async throws {
        try await prepare(store)
        let empty = try await store.catalogVersion(in: .default)
        #expect(empty == [0, 0])
        try await store.upsert([Fixtures.item("x1")], in: .default)
        let one = try await store.catalogVersion(in: .default)
        #expect(one != empty)
        #expect(try await store.catalogVersion(in: .default) == one)
        #expect(try await store.catalogVersion(in: other) == empty)
        try await store.upsert(
            [Fixtures.item("x1", title: "Renamed", at: Fixtures.now.adding(milliseconds: 5))], in: .default)
        let renamed = try await store.catalogVersion(in: .default)
        #expect(renamed != one)
        #expect(try await store.markUnavailable(id("x1"), in: .default, at: Fixtures.now.adding(milliseconds: 9)))
        let withdrawn = try await store.catalogVersion(in: .default)
        #expect(withdrawn != renamed)
        // The version is the catalogue's size and latest update, on every backend.
        try await store.upsert([Fixtures.item("x2", at: Fixtures.now.adding(milliseconds: 3))], in: .default)
        #expect(try await store.catalogVersion(in: .default) == [2, Fixtures.now.millisecondsSinceEpoch + 9])
    }

    /// Writers upserting overlapping batches in opposite orders at once: none fails (no
    /// deadlock surfaces), and each item ends stored once, as one writer's version.
    static func concurrentWritersOfOverlappingBatches(_ store: some Store) async throws {
        try await prepare(store)
        try await concurrentUpserts(writers: Array(repeating: store, count: 4))
        #expect(try await store.stats(of: .default).items == 300)
    }

    /// The shared body of the concurrent-writer checks: writer `w` upserts items 0..<300 in
    /// ascending order (even `w`) or descending (odd `w`), several rounds.
    package static func concurrentUpserts(writers: [any Store]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (w, writer) in writers.enumerated() {
                group.addTask {
                    for round in 0..<3 {
                        var ids = Array(0..<300)
                        if w % 2 == 1 { ids.reverse() }
                        let items = ids.map { n in
                            Fixtures.item(
                                "i\(n)", title: "w\(w) r\(round)", at: Fixtures.now.adding(milliseconds: Int64(round)))
                        }
                        for chunk in stride(from: 0, to: items.count, by: 100) {
                            try await writer.upsert(Array(items[chunk..<chunk + 100]), in: .default)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await writers[0].allItems(in: .default)
        #expect(stored.count == 300)
        #expect(Set(stored.map(\.id)).count == 300)
        #expect(stored.allSatisfy { $0.title?.hasPrefix("w") ?? false })
        #expect(stored.allSatisfy { $0.createdAt == Fixtures.now })
    }
}
