import AttuneCore
import AttuneEngine
import AttuneML
import AttuneStore
import AttuneTestSupport
import Foundation
import Logging
import Testing

struct LiveCatalogueTests {
    struct Served {
        let store: SQLiteStore
        let registry: ModelRegistry
        let live: LiveCatalogue
        let service: RecommendationService
        let directory: TemporaryDirectory

        /// Queues `ids` as a catalogue write does and drains the queue as the service does.
        func apply(_ ids: [ItemID]) async throws -> CatalogueChange {
            live.itemsChanged(ids, in: .default)
            let (change, applied) = try await live.drain(.default)
            #expect(applied == !change.isEmpty)
            return change
        }
    }

    /// ALS on the two-community fixture (60 items with text), served through the HNSW index when
    /// `indexed`, else through the exact scan.
    static func served(indexed: Bool) async throws -> Served {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        var files = ModelFiles(dataDirectory: directory.url.path)
        files.indexMinimumItems = indexed ? 1 : FactorRetrieval.minimumItems
        files.indexThreads = 1
        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        _ = try await ModelTraining(store: store, files: files, clock: FixedClock()).run(workspace: .default, family: .als, tuner: tuner)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        let model = try #require(registry.model(for: .default))
        #expect((model.retrieval != nil) == indexed && (model.scan != nil) == !indexed)
        return Served(
            store: store, registry: registry, live: LiveCatalogue(registry: registry, store: store, logger: Logger(label: "test")),
            service: RecommendationService(registry: registry, store: store, clock: FixedClock(), suppressionThreshold: nil),
            directory: directory)
    }

    @Test(arguments: [false, true])
    func aNewItemIsRecommendedAndSimilarThroughItsContentBeforeAnyInteraction(indexed: Bool) async throws {
        let served = try await Self.served(indexed: indexed)
        try await served.store.upsert(
            [Fixtures.item("A-new", title: "alpine hiking boots trail", categories: ["a"])], in: .default)
        let change = try await served.apply([ItemID(unchecked: "A-new")])
        #expect(change.added.map(\.key) == ["A-new"])
        let model = try #require(served.registry.model(for: .default))
        let label = try #require(model.itemLabel(of: "A-new"))
        #expect(model.snapshot.items.index(of: "A-new") == nil, "the model was not retrained")
        if indexed { #expect(model.retrieval?.index.contains(label) == true) }
        let anchor = try #require(model.cold?.anchor(of: label))
        #expect(model.itemKey(at: anchor)?.hasPrefix("A") == true, "its nearest content neighbour is of its community")

        var request = RecommendationRequest()
        request.count = 25
        let list = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        let entry = try #require(list.items.first { $0.item.rawValue == "A-new" }, "\(list.items.map(\.item.rawValue))")
        #expect(entry.reason.hasPrefix("new item, similar to "), "\(entry.reason)")
        #expect(list.strategy == "als")
        let other = try await served.service.recommend(user: UserID(unchecked: "b1"), in: .default, request: request)
        let rankA = list.items.firstIndex { $0.item.rawValue == "A-new" }!
        let rankB = other.items.firstIndex { $0.item.rawValue == "A-new" } ?? other.items.count
        #expect(rankA < rankB, "a reader of the other community ranks it lower")

        request.count = 30
        let similar = try #require(
            try await served.service.similar(to: ItemID(unchecked: model.itemKey(at: anchor)!), in: .default, request: request))
        #expect(similar.items.contains { $0.item.rawValue == "A-new" }, "\(similar.items.map(\.item.rawValue))")
        request.count = 5
        let fromNew = try #require(try await served.service.similar(to: ItemID(unchecked: "A-new"), in: .default, request: request))
        #expect(fromNew.items.count == 5)
        #expect(fromNew.items.allSatisfy { $0.item.rawValue.hasPrefix("A") }, "\(fromNew.items.map(\.item.rawValue))")
    }

    /// Events since training are resolved once each: a trained item feeds the user's history, a
    /// new one (a label past the trained ones) is only kept out of the list; both are never
    /// recommended back.
    @Test(arguments: [false, true])
    func itemsConsumedSinceTrainingAreNotRecommendedBack(indexed: Bool) async throws {
        let served = try await Self.served(indexed: indexed)
        try await served.store.upsert(
            [Fixtures.item("A-new", title: "alpine hiking boots trail", categories: ["a"])], in: .default)
        _ = try await served.apply([ItemID(unchecked: "A-new")])
        var request = RecommendationRequest()
        request.count = 25
        let before = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        #expect(before.items.contains { $0.item.rawValue == "A-new" }, "\(before.items.map(\.item.rawValue))")
        let trained = try #require(before.items.first { $0.item.rawValue != "A-new" }?.item.rawValue)
        _ = try await served.store.append([
            EventBatch(workspace: .default, events: [
                Fixtures.event(90_001, user: "a1", item: "A-new", at: 1_000_000),
                Fixtures.event(90_002, user: "a1", item: trained, at: 1_000_001),
            ])
        ])
        let after = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        let ids = after.items.map(\.item.rawValue)
        #expect(!ids.contains("A-new"), "\(ids)")
        #expect(!ids.contains(trained), "\(ids)")
        #expect(!ids.isEmpty)
    }

    @Test func aNewItemWithOnlyAnEmbeddingBorrowsFromTheItemsNearestInEmbedding() async throws {
        let served = try await Self.served(indexed: false)
        // A made-up encoder: community A along the first axis, B along the second, a little noise.
        let trained = (0..<30).flatMap { i -> [(item: ItemID, vector: [Float])] in
            let noise = Float(i) / 300
            return [(ItemID(unchecked: "A\(i)"), [1, noise, 0]), (ItemID(unchecked: "B\(i)"), [noise, 1, 0])]
        }
        try await served.store.putEmbeddings(trained + [(ItemID(unchecked: "E-new"), [0.9, 0.05, 0.1])], in: .default)
        try await served.store.upsert([Fixtures.item("E-new")], in: .default)
        let change = try await served.apply([ItemID(unchecked: "E-new")])
        #expect(change.added.map(\.key) == ["E-new"])
        let model = try #require(served.registry.model(for: .default))
        let label = try #require(model.itemLabel(of: "E-new"))
        let anchor = try #require(model.cold?.anchor(of: label))
        #expect(model.itemKey(at: anchor)?.hasPrefix("A") == true)
        var request = RecommendationRequest()
        request.count = 25
        let list = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        #expect(list.items.contains { $0.item.rawValue == "E-new" }, "\(list.items.map(\.item.rawValue))")
    }

    @Test func anItemWithoutContentGetsNoVector() async throws {
        let served = try await Self.served(indexed: false)
        try await served.store.upsert([Fixtures.item("blank"), Fixtures.item("unknown-words", title: "zzzz qqqq")], in: .default)
        let change = try await served.apply(["blank", "unknown-words"].map(ItemID.init(unchecked:)))
        #expect(change.isEmpty)
        let model = try #require(served.registry.model(for: .default))
        #expect(model.itemLabel(of: "blank") == nil && model.itemLabel(of: "unknown-words") == nil)
        var request = RecommendationRequest()
        request.count = 60
        let list = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        #expect(!list.items.contains { ["blank", "unknown-words"].contains($0.item.rawValue) })
    }

    @Test(arguments: [false, true])
    func aDeletedItemLeavesTheIndexAndIsNeverReturnedUntilRestored(indexed: Bool) async throws {
        let served = try await Self.served(indexed: indexed)
        var request = RecommendationRequest()
        request.count = 5
        request.availableOnly = false
        let before = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        let top = try #require(before.items.first?.item)
        #expect(try await served.store.markUnavailable(top, in: .default, at: Fixtures.now))
        let change = try await served.apply([top])
        let model = try #require(served.registry.model(for: .default))
        let label = try #require(model.itemLabel(of: top.rawValue))
        #expect(change.withdrawn == [top.rawValue] && model.isWithdrawn(label))
        if indexed { #expect(model.retrieval?.index.contains(label) == false) }
        #expect(!(model.personalised(user: "a1", extraHistory: [], count: 59) ?? []).contains { $0.item == label })
        let after = try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request)
        #expect(!after.items.contains { $0.item == top }, "not even when unavailable items are asked for")

        try await served.store.upsert([Fixtures.item(top.rawValue, title: "alpine hiking boots trail back")], in: .default)
        #expect(try await served.apply([top]).restored == [top.rawValue])
        let restored = try #require(served.registry.model(for: .default))
        if indexed { #expect(restored.retrieval?.index.contains(label) == true) }
        #expect(try await served.service.recommend(user: UserID(unchecked: "a1"), in: .default, request: request).items.first?.item == top)
    }

    /// Writes that bypass the API (an import by another process) are caught by the sweep: a newly
    /// promoted model is swept at once, a changed catalogue only once the sweep interval has passed.
    @Test func aSweepCatchesCatalogueWritesMadeElsewhere() async throws {
        let served = try await Self.served(indexed: true)
        let live = LiveCatalogue(
            registry: served.registry, store: served.store, catalogueSweepInterval: .seconds(3_600), logger: Logger(label: "test"))
        try await live.sweepIfMoved(.default)
        #expect(served.registry.model(for: .default)?.revision == 0, "nothing to change yet")
        try await served.store.upsert([Fixtures.item("B-new", title: "baking flour oven bread", categories: ["b"])], in: .default)
        #expect(try await served.store.markUnavailable(ItemID(unchecked: "A3"), in: .default, at: Fixtures.now))
        try await live.sweepIfMoved(.default)
        #expect(served.registry.model(for: .default)?.itemLabel(of: "B-new") == nil, "within the interval the catalogue is not swept again")
        let change = try await live.sweep(.default).change
        let model = try #require(served.registry.model(for: .default))
        #expect(change.added.map(\.key) == ["B-new"])
        let label = try #require(model.itemLabel(of: "A3"))
        #expect(change.withdrawn == ["A3"] && model.retrieval?.index.contains(label) == false)
        #expect(model.retrieval?.index.contains(try #require(model.itemLabel(of: "B-new"))) == true)
        #expect(try await live.sweep(.default).change.isEmpty, "a second sweep finds nothing new")
    }

    /// A LiveCatalogue over `served` whose hook runs `write` once, after the first change is
    /// computed and before its rows are read again.
    static func racing(_ served: Served, _ write: @escaping @Sendable () async throws -> Void) -> LiveCatalogue {
        let fired = Locked(false)
        return LiveCatalogue(
            registry: served.registry, store: served.store, logger: Logger(label: "test"),
            beforeRecheck: { _ in
                guard fired.withLock({ done in defer { done = true }; return !done }) else { return }
                try await write()
            })
    }

    /// A sweep reads a new item available, the item is deleted, then the sweep would swap:
    /// the deleted item must not enter the model (and the reverse for a withdrawal).
    @Test func aWriteWhileASweepComputesIsNotUndoneByIt() async throws {
        let served = try await Self.served(indexed: true)
        let store = served.store
        try await store.upsert([Fixtures.item("B-new", title: "baking flour oven bread", categories: ["b"])], in: .default)
        let deleting = Self.racing(served) {
            let marked = try await store.markUnavailable(ItemID(unchecked: "B-new"), in: .default, at: Fixtures.now)
            #expect(marked)
        }
        let (change, _) = try await deleting.sweep(.default)
        #expect(change.isEmpty, "the deleted item's entry was dropped")
        #expect(served.registry.model(for: .default)?.itemLabel(of: "B-new") == nil)
        #expect(try await deleting.drain(.default).change.isEmpty, "its id was queued again and found unavailable")
        #expect(served.registry.model(for: .default)?.itemLabel(of: "B-new") == nil)

        #expect(try await store.markUnavailable(ItemID(unchecked: "A3"), in: .default, at: Fixtures.now))
        let restoring = Self.racing(served) {
            try await store.upsert([Fixtures.item("A3", title: "alpine boots back")], in: .default)
        }
        #expect(try await restoring.sweep(.default).change.withdrawn.isEmpty)
        let model = try #require(served.registry.model(for: .default))
        let label = try #require(model.itemLabel(of: "A3"))
        #expect(!model.isWithdrawn(label) && model.retrieval?.index.contains(label) == true)
    }

    /// A reload of the same version (an online update, a pin and unpin) while a change computes:
    /// the change is not swapped into the new load, and its ids are applied to it by the next drain.
    @Test func aChangeComputedAgainstOneLoadIsNeverSwappedIntoAnother() async throws {
        let served = try await Self.served(indexed: true)
        let registry = served.registry
        let live = Self.racing(served) {
            let current = try #require(registry.model(for: .default))
            #expect(registry.replace(ServingModel(snapshot: current.snapshot), ifServing: current.version, in: .default))
        }
        try await served.store.upsert([Fixtures.item("A-new", title: "alpine hiking boots trail", categories: ["a"])], in: .default)
        live.itemsChanged([ItemID(unchecked: "A-new")], in: .default)
        let first = try await live.drain(.default)
        #expect(first.change.added.map(\.key) == ["A-new"] && !first.applied)
        #expect(registry.model(for: .default)?.itemLabel(of: "A-new") == nil)
        let second = try await live.drain(.default)
        #expect(second.applied && registry.model(for: .default)?.itemLabel(of: "A-new") != nil)
    }

    /// Many writes between two drains cost one change of the served value (one copy of the index).
    @Test func queuedWritesAreAppliedInOneChange() async throws {
        let served = try await Self.served(indexed: true)
        try await served.store.upsert(
            (0..<5).map { Fixtures.item("A-new\($0)", title: "alpine hiking boots trail \($0)", categories: ["a"]) }, in: .default)
        #expect(try await served.store.markUnavailable(ItemID(unchecked: "A1"), in: .default, at: Fixtures.now))
        for i in 0..<5 { served.live.itemsChanged([ItemID(unchecked: "A-new\(i)")], in: .default) }
        served.live.itemsChanged([ItemID(unchecked: "A1"), ItemID(unchecked: "A-new0")], in: .default)
        let (change, applied) = try await served.live.drain(.default)
        #expect(applied && change.added.count == 5 && change.withdrawn == ["A1"])
        #expect(served.registry.model(for: .default)?.revision == 1)
        #expect(try await served.live.drain(.default).change.isEmpty, "the queue is empty")
    }

    /// A new item whose text changes borrows its vector again, under the same label.
    @Test func aNewItemWhoseTextChangesGetsANewVector() async throws {
        let served = try await Self.served(indexed: true)
        try await served.store.upsert([Fixtures.item("X-new", title: "alpine hiking boots trail", categories: ["a"])], in: .default)
        _ = try await served.apply([ItemID(unchecked: "X-new")])
        let before = try #require(served.registry.model(for: .default))
        let label = try #require(before.itemLabel(of: "X-new"))
        #expect(before.itemKey(at: try #require(before.cold?.anchor(of: label)))?.hasPrefix("A") == true)
        #expect(try await served.apply([ItemID(unchecked: "X-new")]).isEmpty, "unchanged text: nothing to do")

        try await served.store.upsert([Fixtures.item("X-new", title: "baking flour oven bread", categories: ["b"])], in: .default)
        let change = try await served.apply([ItemID(unchecked: "X-new")])
        #expect(change.added.map(\.key) == ["X-new"])
        let after = try #require(served.registry.model(for: .default))
        #expect(after.itemLabel(of: "X-new") == label && after.cold?.count == 1)
        #expect(after.itemKey(at: try #require(after.cold?.anchor(of: label)))?.hasPrefix("B") == true)
        #expect(after.retrievalVector(of: label) != before.retrievalVector(of: label))
        #expect(after.retrieval?.index.contains(label) == true && after.retrieval?.index.count == before.retrieval?.index.count)
        let similar = after.similarItems(to: label, count: 5).compactMap { after.itemKey(at: $0.item) }
        #expect(similar.allSatisfy { $0.hasPrefix("B") }, "\(similar)")
    }

    /// Withdrawing and restoring an item again and again brings back its node each time.
    @Test func aFlipFloppingItemKeepsOneNodeInTheIndex() async throws {
        let served = try await Self.served(indexed: true)
        let nodes = try #require(served.registry.model(for: .default)?.retrieval?.index.nodeCount)
        for round in 0..<4 {
            #expect(try await served.store.markUnavailable(ItemID(unchecked: "B2"), in: .default, at: Fixtures.now))
            #expect(try await served.apply([ItemID(unchecked: "B2")]).withdrawn == ["B2"])
            try await served.store.upsert([Fixtures.item("B2", title: "baking flour \(round)")], in: .default)
            #expect(try await served.apply([ItemID(unchecked: "B2")]).restored == ["B2"])
        }
        let model = try #require(served.registry.model(for: .default))
        #expect(model.retrieval?.index.nodeCount == nodes)
        #expect(model.retrieval?.index.contains(try #require(model.itemLabel(of: "B2"))) == true)
    }

    @Test(arguments: [false, true])
    func anInsertedVectorIsFoundAtOnce(indexed: Bool) async throws {
        let served = try await Self.served(indexed: indexed)
        let model = try #require(served.registry.model(for: .default))
        let als = try #require(model.snapshot.model.model as? ImplicitALS)
        let user = Int(try #require(model.snapshot.users.index(of: "a1")))
        var change = CatalogueChange()
        let pushed = als.userFactors.row(user).map { $0 * 100 }
        change.added = [("pushed", pushed, 0), ("pushed", pushed, 0), ("A1", pushed, 0)]
        let next = model.applying(change)
        #expect(next.cold?.count == 1, "a repeated id and an item the model knows are not added")
        #expect(model.itemLabel(of: "pushed") == nil, "the served value is not changed in place")
        let label = try #require(next.itemLabel(of: "pushed"))
        #expect(next.personalised(user: "a1", extraHistory: [], count: 5)?.first?.item == label)
    }

    @Test func theExcludedLabelsAreTheSortedUnionOfHistoryAndWithdrawn() {
        #expect(ServingModel.sortedUnion([1, 4, 9], [0, 4, 5, 12]) == [0, 1, 4, 5, 9, 12])
        #expect(ServingModel.sortedUnion([], [3]) == [3] && ServingModel.sortedUnion([2, 3], []) == [2, 3])
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<50 {
            let a = Set((0..<Int(rng.next() % 20)).map { _ in Int32(rng.next() % 40) }).sorted()
            let b = Set((0..<Int(rng.next() % 20)).map { _ in Int32(rng.next() % 40) }).sorted()
            #expect(ServingModel.sortedUnion(a, b) == Set(a).union(b).sorted())
        }
    }

    /// New BPR items (vector with a bias) are scored with one fold-in and compared on unit factors.
    @Test func aNewItemOfABPRModelIsServedThroughTheScan() async throws {
        let store = try await ModelTrainingTests.communityStore()
        let directory = try TemporaryDirectory()
        var files = ModelFiles(dataDirectory: directory.url.path)
        files.indexThreads = 1
        var tuner = ModelTuner()
        tuner.quick = true
        tuner.threads = 1
        _ = try await ModelTraining(store: store, files: files, clock: FixedClock()).run(workspace: .default, family: .bpr, tuner: tuner)
        let registry = ModelRegistry(files: files, logger: Logger(label: "test"))
        registry.refresh()
        let model = try #require(registry.model(for: .default))
        let cold = try #require(model.cold)
        #expect(model.scan != nil && cold.factorDimension == cold.dimension - 1)
        let anchor = try #require(model.snapshot.items.index(of: "A1"))
        var change = CatalogueChange()
        change.added = [("A-copy", try #require(model.retrievalVector(of: anchor)), anchor)]
        let next = model.applying(change)
        let label = try #require(next.itemLabel(of: "A-copy"))
        #expect(next.similarItems(to: anchor, count: 3).first?.item == label, "its unit factors equal its anchor's")
        #expect(next.similarItems(to: label, count: 3).first?.item == anchor)
        let history = [anchor]
        let withNew = try #require(next.personalised(user: "nobody", extraHistory: history, count: 70))
        #expect(withNew.contains { $0.item == label } && !withNew.contains { $0.item == anchor })
    }

    /// Searches run while a writer inserts and withdraws items: no crash, and every answer comes
    /// from one whole served value (known labels, none withdrawn in that value).
    @Test func searchesStayValidDuringConcurrentInsertsAndDeletes() async throws {
        let served = try await Self.served(indexed: true)
        let registry = served.registry
        let dimension = try #require(registry.model(for: .default)?.cold?.dimension)
        let first = try #require(registry.model(for: .default))
        let keys = (0..<Int32(60)).map { first.itemKey(at: $0)! }
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                var rng = SeededGenerator(seed: 9)
                var applied = 0
                for step in 0..<60 {
                    var change = CatalogueChange()
                    change.added = [("new-\(step)", (0..<dimension).map { _ in Float(rng.next() % 1_000) / 500 - 1 }, 0)]
                    change.withdrawn = [keys[step % 60]]
                    if step >= 10 { change.restored = [keys[(step - 10) % 60]] }
                    while true {
                        let base = try #require(registry.model(for: .default))
                        if registry.replace(base.applying(change), ifStill: base, in: .default) { break }
                    }
                    applied += 1
                    await Task.yield()
                }
                return applied
            }
            for reader in 0..<3 {
                group.addTask {
                    var checked = 0
                    for i in 0..<200 {
                        let model = try #require(registry.model(for: .default))
                        let user = ["a1", "b2", "a3"][reader] + "\(i % 5)"
                        for (item, score) in model.personalised(user: user, extraHistory: [], count: 10) ?? [] {
                            #expect(model.itemKey(at: item) != nil && !model.isWithdrawn(item) && score.isFinite)
                            checked += 1
                        }
                        if i % 20 == 0 { await Task.yield() }
                    }
                    return checked
                }
            }
            var total = 0
            for try await n in group { total += n }
            #expect(total > 60)
        }
        let model = try #require(registry.model(for: .default))
        #expect(model.cold?.count == 60 && model.revision == 60)
        #expect(model.retrieval?.index.count == 60 + 60 - model.withdrawn.count)
    }
}
