import AttuneCore
import Testing

struct DeclaredTraitsResolutionTests {
    typealias Declaration = DeclaredTraitsResolution.Declaration

    @Test func sourcePriorityWinsThenTheMostRecent() {
        let declarations = [
            Declaration(user: "web-1", source: "web", traits: #"{"city":"Leeds","plan":"free","seen":1}"#, updatedAt: 300),
            Declaration(user: "crm-1", source: "crm", traits: #"{"city":"York","tier":"gold"}"#, updatedAt: 100),
            Declaration(user: "shop-1", source: "shop", traits: #"{"plan":"pro","tier":"silver"}"#, updatedAt: 200),
            Declaration(user: "shop-2", source: "shop", traits: #"{"plan":"max"}"#, updatedAt: 250),
        ]
        // crm before web; shop is not listed, so it ranks after both.
        let resolved = DeclaredTraitsResolution.resolve(declarations, priority: ["crm", "web"])
        #expect(resolved == #"{"city":"York","plan":"free","seen":1,"tier":"gold"}"#)
        // Without a priority the most recent declaration of each attribute wins.
        #expect(DeclaredTraitsResolution.resolve(declarations, priority: [])
            == #"{"city":"Leeds","plan":"free","seen":1,"tier":"silver"}"#)
    }

    @Test func theResultDoesNotDependOnOrder() {
        let a = Declaration(user: "a", source: "x", traits: #"{"k":1}"#, updatedAt: 5)
        let b = Declaration(user: "b", source: "y", traits: #"{"k":2}"#, updatedAt: 5)
        #expect(DeclaredTraitsResolution.resolve([a, b], priority: []) == DeclaredTraitsResolution.resolve([b, a], priority: []))
        #expect(DeclaredTraitsResolution.resolve([a, b], priority: []) == #"{"k":1}"#, "a tie goes to the smaller source name")
    }

    @Test func aSingleDeclarationIsKeptAsItIs() {
        let only = Declaration(user: "a", source: "api", traits: #"{"b":1,"a":2}"#, updatedAt: 1)
        #expect(DeclaredTraitsResolution.resolve([only], priority: ["crm"]) == only.traits)
        #expect(DeclaredTraitsResolution.resolve([], priority: []) == nil)
    }
}
