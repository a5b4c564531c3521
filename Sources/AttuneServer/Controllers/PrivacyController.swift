import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird
import NIOCore

/// The rights of the person, for admin keys: `GET /v1/users/{id}/export` (everything held about
/// them, streamed as one JSON document) and `DELETE /v1/users/{id}` (erasure, answered with a
/// receipt). Both are audited under the user id's digest, never the id.
package struct PrivacyController: Sendable {
    let store: any AttuneStorage
    let clock: any WallClock
    let models: ModelRegistry
    var pii: PIIProtection?
    /// Where model versions are published (PostgreSQL): an erasure redacts them there too.
    var modelPublisher: (any ModelPublisher)?

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/v1/users/:id/export", use: export)
        router.delete("/v1/users/:id", use: erase)
    }

    @Sendable func export(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        let models = self.models
        var building = UserExport(store: store, clock: clock) { workspace in models.model(for: workspace)?.snapshot }
        building.pii = pii
        let exporter = building
        guard let summary = try await exporter.begin(user, in: principal.workspace, actor: principal.keyID) else {
            throw AttuneError.notFound("user")
        }
        // Streamed: the status is already sent when events are read, so a failure part-way ends
        // the body early (the client sees invalid JSON) rather than sending a second status.
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody { writer in
                try await exporter.write(summary) { text in try await writer.write(ByteBuffer(string: text)) }
                try await writer.finish(nil)
            })
    }

    @Sendable func erase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let user = try context.identifier("id", as: UserID.self)
        let erasure = UserErasure(store: store, clock: clock, registry: models, files: models.files, publisher: modelPublisher)
        guard let receipt = try await erasure.erase(user, in: principal.workspace, actor: principal.keyID) else {
            throw AttuneError.notFound("user")
        }
        return JSONResponse.make(receipt.json)
    }
}
