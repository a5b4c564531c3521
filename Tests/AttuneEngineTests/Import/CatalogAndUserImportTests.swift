import AttuneCore
import AttuneEngine
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

struct CatalogAndUserImportTests {
    let clock = FixedClock()

    func store() async throws -> SQLiteStore {
        let store = try SQLiteStore()
        try await store.ensureWorkspace(.default, at: clock.now())
        return store
    }

    @Test func importsItemsWithListsAvailabilityAndTypedProperties() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file(
            "items.csv",
            "item_id,title,categories,tags,available,price,zip\nsku1,Lamp,home|lighting,eco,yes,19.5,01234\nsku2,,toys,,0,3,\n,Nameless,,,,,\n")
        let store = try await store()
        let report = try await ItemImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.imported == 2)
        #expect(report.problems.map(\.line) == [4])
        let lamp = try #require(try await store.item(ItemID(unchecked: "sku1"), in: .default))
        #expect(lamp.categories == ["home", "lighting"])
        #expect(lamp.tags == ["eco"])
        #expect(lamp.available)
        #expect(lamp.properties == #"{"price":19.5,"zip":"01234"}"#)
        let toy = try #require(try await store.item(ItemID(unchecked: "sku2"), in: .default))
        #expect(toy.title == nil)
        #expect(!toy.available)
    }

    @Test func importsUserTraits() async throws {
        let files = try TemporaryDirectory()
        let path = try files.file("users.csv", "user_id,age,gender,vip\n1,24,M,true\n2,,F,\n3,,,\n")
        let store = try await store()
        let report = try await UserImporter(store: store, clock: clock).run(path: path, workspace: .default)
        #expect(report.imported == 2)
        #expect(report.problems.map(\.line) == [4])
        #expect(try await store.traits(of: UserID(unchecked: "1"), in: .default) == #"{"age":24,"gender":"M","vip":true}"#)
    }

    @Test func importsMovieLensLayout() async throws {
        let files = try TemporaryDirectory()
        _ = try files.file("ml-100k.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
        _ = try files.file("ml-100k.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n242\tKolya\t1996\tComedy\n302\tL.A. Confidential\t1997\tCrime Film-Noir Mystery Thriller\n")
        _ = try files.file("ml-100k.user", "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n196\t49\tM\twriter\t55105\n")
        let store = try await store()
        let report = try await MovieLensImporter(store: store, clock: clock).run(directory: files.url.path, workspace: .default)
        #expect(report.events.imported == 2)
        #expect(report.items.imported == 2)
        #expect(report.users.imported == 1)
        let event = try await store.events(in: .default, after: nil, limit: 1)[0].event
        #expect(event.type == .rate)
        #expect(event.value == 3)
        #expect(event.timestamp.millisecondsSinceEpoch == 881_250_949_000)
        let movie = try #require(try await store.item(ItemID(unchecked: "302"), in: .default))
        #expect(movie.categories == ["Crime", "Film-Noir", "Mystery", "Thriller"])
        #expect(movie.title == "L.A. Confidential")
    }
}
