import AttuneCore
import AttuneEngine
import AttuneStore
import Hummingbird
import NIOCore
import Prometheus

/// `GET /healthz`, `GET /metrics` (public) and `GET /v1/stats` (admin).
package struct SystemController: Sendable {
    let store: any AttuneStorage
    let registry: PrometheusCollectorRegistry

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in
            JSONResponse.make(.object([("status", .string("ok"))]))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/v1/stats", use: stats)
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        let principal = try context.require(.admin)
        let stats = try await store.stats(of: principal.workspace)
        return JSONResponse.make(.object([
            ("workspace", .string(principal.workspace.rawValue)),
            ("events", .number(Double(stats.events))),
            ("users", .number(Double(stats.users))),
            ("anonymousVisitors", .number(Double(stats.anonymousVisitors))),
            ("items", .number(Double(stats.items))),
            ("availableItems", .number(Double(stats.availableItems))),
            ("withheldEvents", .number(Double(stats.withheldEvents))),
        ]))
    }
}
