import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird

/// The catalogue: `PUT/GET/DELETE /v1/items/{id}`, `POST /v1/items`, `GET /v1/items`.
package struct ItemsController: Sendable {
    static let maxBatchItems = 1_000

    let store: any AttuneStorage
    let clock: any WallClock
    let limits: ServerLimits
    /// Serving's copy of the catalogue: every write here invalidates what it changed.
    let catalogue: CatalogCache
    /// The catalogue names matched in customer texts: rebuilt after a write here.
    var names: CatalogNameIndex? = nil
    /// The served model's view of the catalogue: told of every write here.
    var live: LiveCatalogue? = nil

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.put("/v1/items/:id", use: put)
        router.post("/v1/items", use: postBatch)
        router.get("/v1/items/:id", use: get)
        router.get("/v1/items", use: list)
        router.delete("/v1/items/:id", use: delete)
    }

    @Sendable func put(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try context.identifier("id", as: ItemID.self)
        let body = try await request.jsonBody(limit: limits.maxSmallBodyBytes)
        let item = try ItemDecoder().decode(body, pathID: id, now: clock.now())
        let existed = try await store.item(id, in: principal.workspace) != nil
        try await store.upsert([item], in: principal.workspace)
        catalogue.invalidate([id], in: principal.workspace)
        names?.invalidate(principal.workspace)
        follow([id], in: principal.workspace)
        let stored = try await store.item(id, in: principal.workspace)
        return JSONResponse.make(stored.map(Rendering.json) ?? .null, status: existed ? .ok : .created)
    }

    /// Tells the served model about written items: only queues their ids (the catalogue service
    /// applies them within a fraction of a second), so the request does no index work.
    private func follow(_ ids: [ItemID], in workspace: WorkspaceID) {
        live?.itemsChanged(ids, in: workspace)
    }

    @Sendable func postBatch(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let body = try await request.jsonBody(limit: limits.maxItemBodyBytes)
        guard case .array(let elements)? = body["items"], body.objectMembers?.count == 1 else {
            throw AttuneError.invalid("items", "body must be {\"items\": [...]}")
        }
        guard elements.count <= Self.maxBatchItems else {
            throw AttuneError.tooLarge("a batch holds at most \(Self.maxBatchItems) items")
        }
        let now = clock.now()
        var items: [Item] = []
        var rejected: [JSONValue] = []
        var seen = Set<ItemID>()
        for (index, element) in elements.enumerated() {
            do {
                let item = try ItemDecoder().decode(element, pathID: nil, now: now)
                guard seen.insert(item.id).inserted else {
                    throw AttuneError.invalid("id", "appears twice in the batch")
                }
                items.append(item)
            } catch let error as AttuneError {
                rejected.append(.object([
                    ("index", .number(Double(index))), ("error", Rendering.json(error.nested(under: "items[\(index)]"))),
                ]))
            }
        }
        if !items.isEmpty {
            try await store.upsert(items, in: principal.workspace)
            catalogue.invalidate(items.map(\.id), in: principal.workspace)
            names?.invalidate(principal.workspace)
            follow(items.map(\.id), in: principal.workspace)
        }
        var members: [(key: String, value: JSONValue)] = [
            ("received", .number(Double(elements.count))), ("upserted", .number(Double(items.count))),
            ("rejected", .array(rejected)),
        ]
        // A 422 carries the API's error object like every other error; the report stays beside it.
        if items.isEmpty && !elements.isEmpty {
            let error = AttuneError(code: .invalidValue, message: "no item in the batch is valid")
            members.insert(("error", Rendering.json(error)), at: 0)
            return JSONResponse.make(.object(members), status: .unprocessableContent)
        }
        return JSONResponse.make(.object(members))
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let id = try context.identifier("id", as: ItemID.self)
        guard let item = try await store.item(id, in: principal.workspace) else { throw AttuneError.notFound("item") }
        return JSONResponse.make(Rendering.json(item))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.read)
        let limit = try QueryParameters.limit(request)
        let cursor = try QueryParameters.string(request, "cursor").map { (c) throws(AttuneError) in
            ItemID(unchecked: try Cursor.decode(c))
        }
        let items = try await store.items(in: principal.workspace, after: cursor, limit: limit)
        let next: JSONValue = items.count == limit ? .string(Cursor.encode(items.last!.id.rawValue)) : .null
        return JSONResponse.make(.object([("items", .array(items.map(Rendering.json))), ("nextCursor", next)]))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let id = try context.identifier("id", as: ItemID.self)
        defer {
            catalogue.invalidate([id], in: principal.workspace)
            names?.invalidate(principal.workspace)
        }
        guard try await store.markUnavailable(id, in: principal.workspace, at: clock.now()) else {
            throw AttuneError.notFound("item")
        }
        follow([id], in: principal.workspace)
        return JSONResponse.make(.object([("id", .string(id.rawValue)), ("available", .bool(false))]))
    }
}
