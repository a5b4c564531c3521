import AttuneCore
import AttuneServer
import AttuneTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct OpenAPIDocumentTests {
    static func documentedRoutes() throws -> Set<String> {
        let document = try JSONParser(maxDepth: 64).parse(OpenAPIDocument.json)
        #expect(document["openapi"] == .string("3.1.0"))
        guard let paths = document["paths"]?.objectMembers else { return [] }
        var routes = Set<String>()
        for (path, item) in paths {
            for (method, _) in item.objectMembers ?? [] where method != "parameters" {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        let server = try TestServer()
        let dependencies = try await server.dependencies()
        let router = buildRouter(configuration: ServerConfiguration(), dependencies: dependencies)
        let streams = buildStreamRouter(dependencies: dependencies)
        let served = Set(router.routes.map { route in
            "\(route.method.rawValue) " + route.path.description.replacingOccurrences(of: ":id", with: "{id}")
        }).union(streams.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = try Self.documentedRoutes()
        #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but missing: \(documented.subtracting(served).sorted())")
    }

    @Test func theDocumentIsServedWithoutAKey() async throws {
        let server = try TestServer()
        try await server.makeApplication().test(.router) { client in
            let reply = try await client.call(.get, "/openapi.json", key: nil)
            #expect(reply.status == 200)
            #expect(reply.text == OpenAPIDocument.json)
        }
    }

    @Test func everyReferenceResolves() throws {
        let document = try JSONParser(maxDepth: 64).parse(OpenAPIDocument.json)
        var references: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let members):
                for (key, child) in members {
                    if key == "$ref", case .string(let target) = child { references.append(target) }
                    walk(child)
                }
            case .array(let elements): elements.forEach(walk)
            default: break
            }
        }
        walk(document)
        #expect(!references.isEmpty)
        for reference in references {
            var node: JSONValue? = document
            for part in reference.dropFirst(2).split(separator: "/") { node = node?[String(part)] }
            #expect(node != nil, "\(reference) does not resolve")
        }
    }
}
