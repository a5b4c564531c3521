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

    /// Every `{name}` in a path is declared as a path parameter of every operation on it (at the
    /// path or the operation level): a missing one makes the document unusable for clients.
    @Test func everyPathParameterIsDeclaredForEveryOperation() throws {
        let document = try JSONParser(maxDepth: 64).parse(OpenAPIDocument.json)
        func pathNames(_ parameters: JSONValue?) -> Set<String> {
            guard case .array(let list)? = parameters else { return [] }
            var names = Set<String>()
            for parameter in list {
                var resolved: JSONValue? = parameter
                if case .string(let reference)? = parameter["$ref"] {
                    resolved = document
                    for part in reference.dropFirst(2).split(separator: "/") { resolved = resolved?[String(part)] }
                }
                if resolved?["in"] == .string("path"), case .string(let name)? = resolved?["name"] { names.insert(name) }
            }
            return names
        }
        for (path, item) in document["paths"]?.objectMembers ?? [] {
            let templated = Set(path.split(separator: "{").dropFirst().compactMap { $0.split(separator: "}").first.map(String.init) })
            for (method, operation) in item.objectMembers ?? [] where method != "parameters" {
                let declared = pathNames(item["parameters"]).union(pathNames(operation["parameters"]))
                #expect(templated.isSubset(of: declared), "\(method.uppercased()) \(path) lacks \(templated.subtracting(declared).sorted())")
            }
        }
    }
}
