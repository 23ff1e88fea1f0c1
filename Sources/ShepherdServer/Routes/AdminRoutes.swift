import Foundation
import Hummingbird
import ShepherdCore
import ShepherdLedger
import ShepherdRouting

/// `/admin/v1/keys`: the same key operations as `shepherd keys`, behind the admin key.
struct AdminRoutes {
    let adminKey: Secret?
    let keyStore: (any KeyStore)?
    let config: GatewayConfig
    let board: ResilienceBoard
    let ledger: any LedgerStore

    struct CreateKeyBody: Decodable {
        var name: String
        var models: [String]?
        var budgetUSD: Decimal?
        var rpm: Int?
        var tpm: Int?
        enum CodingKeys: String, CodingKey {
            case name, models, rpm, tpm
            case budgetUSD = "budget_usd"
        }
    }

    func register(on router: Router<GatewayRequestContext>) {
        let adminKey = self.adminKey
        let keyStore = self.keyStore
        let group = router.group("/admin/v1")
        @Sendable func authorize(_ request: Request) throws(GatewayError) -> any KeyStore {
            try AdminAuth.check(request, adminKey: adminKey)
            guard let keyStore else { throw GatewayError(.internalError, "No key store is configured.") }
            return keyStore
        }
        let config = self.config
        let board = self.board
        let ledger = self.ledger
        group.get("/usage") { request, _ -> Response in
            _ = try authorize(request)
            let query = request.uri.queryParameters
            let since: Date?
            if let raw = query["since"].map(String.init) {
                guard let parsed = UsageWindow.since(raw) else {
                    throw GatewayError(.invalidRequest, "since must look like 30m, 24h, 7d or an ISO date", param: "since")
                }
                since = parsed
            } else {
                since = nil
            }
            var groups: [UsageGrouping] = []
            for name in (query["group_by"].map(String.init) ?? "model").split(separator: ",") {
                guard let group = UsageGrouping(rawValue: String(name)) else {
                    throw GatewayError(.invalidRequest, "group_by takes model, provider, key and day", param: "group_by")
                }
                groups.append(group)
            }
            let report = try await UsageReport.load(from: ledger, since: since, groupBy: groups)
            return SystemRoutes.json(Array(report.json().utf8))
        }
        group.get("/routes") { request, _ -> Response in
            _ = try authorize(request)
            return SystemRoutes.json(RoutesReport(config: config, board: board).json())
        }
        group.get("/keys") { request, _ -> Response in
            let store = try authorize(request)
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("data")
            writer.beginArray()
            for key in try await store.list() { Self.write(key, into: &writer) }
            writer.endArray()
            writer.endObject()
            return SystemRoutes.json(writer.bytes)
        }
        group.post("/keys") { request, context -> Response in
            let store = try authorize(request)
            let body: CreateKeyBody
            do {
                body = try await request.decode(as: CreateKeyBody.self, context: context)
            } catch {
                throw GatewayError(.invalidRequest, "Expected {\"name\": …, \"models\": […], \"budget_usd\": …, \"rpm\": …, \"tpm\": …}.")
            }
            let created = try await store.create(name: body.name, models: body.models, budgetUSD: body.budgetUSD, rpm: body.rpm, tpm: body.tpm)
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("id"); writer.string(created.key.id)
            writer.key("key"); writer.string(created.secret)
            writer.key("name"); writer.string(created.key.name)
            writer.endObject()
            return SystemRoutes.json(writer.bytes, status: .created)
        }
        group.delete("/keys/{id}") { request, context -> Response in
            let store = try authorize(request)
            let id = try context.parameters.require("id")
            guard try await store.revoke(id: id) else { throw GatewayError(.notFound, "No key with id '\(id)'.") }
            return SystemRoutes.json(Array(#"{"revoked":true}"#.utf8))
        }
    }

    static func write(_ key: VirtualKey, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("id"); writer.string(key.id)
        writer.key("name"); writer.string(key.name)
        writer.key("prefix"); writer.string(key.prefix + "…")
        writer.key("models")
        if let models = key.models {
            writer.beginArray()
            models.forEach { writer.string($0) }
            writer.endArray()
        } else {
            writer.null()
        }
        writer.key("budget_usd"); if let budget = key.budgetUSD { writer.number("\(budget)") } else { writer.null() }
        writer.key("rpm"); if let rpm = key.rpm { writer.int(rpm) } else { writer.null() }
        writer.key("tpm"); if let tpm = key.tpm { writer.int(tpm) } else { writer.null() }
        writer.key("created_at"); writer.int(Int(key.createdAt.timeIntervalSince1970))
        writer.key("revoked"); writer.bool(!key.isActive)
        writer.endObject()
    }
}
