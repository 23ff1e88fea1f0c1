import Foundation
import Hummingbird
import ShepherdCore
import ShepherdLedger
import ShepherdRouting

/// `/admin/v1/rollouts`: each rollout's report and shadow summary, and the commands that move
/// it (promote, pause, resume, rollback, start), behind the admin key. A command takes effect
/// on the next routing decision and is saved at once.
struct RolloutRoutes {
    let adminKey: Secret?
    let rollouts: RolloutBoard
    let service: RolloutService

    struct CommandBody: Decodable { var reason: String? }

    func register(on router: Router<GatewayRequestContext>) {
        let adminKey = self.adminKey
        let rollouts = self.rollouts
        let service = self.service
        let group = router.group("/admin/v1/rollouts")
        group.get("") { request, _ -> Response in
            try AdminAuth.check(request, adminKey: adminKey)
            return SystemRoutes.json(try Self.encoder.encode(rollouts.models.compactMap { Self.view(rollouts, $0) }).asBytes)
        }
        group.get("/{model}") { request, context -> Response in
            try AdminAuth.check(request, adminKey: adminKey)
            let model = try context.parameters.require("model")
            guard let view = Self.view(rollouts, model) else {
                throw GatewayError(.notFound, "No rollout is configured for model '\(model)'.")
            }
            return SystemRoutes.json(try Self.encoder.encode(view).asBytes)
        }
        group.post("/{model}/{command}") { request, context -> Response in
            try AdminAuth.check(request, adminKey: adminKey)
            let model = try context.parameters.require("model")
            let name = try context.parameters.require("command")
            guard let command = RolloutBoard.Command(rawValue: name) else {
                throw GatewayError(.invalidRequest, "Unknown command '\(name)'; use promote, pause, resume, rollback or start.")
            }
            let body = try? await request.decode(as: CommandBody.self, context: context)
            switch rollouts.apply(command, model: model, reason: body?.reason) {
            case .success(let event):
                await service.persist(events: [event])
                return SystemRoutes.json(try Self.encoder.encode(event).asBytes)
            case .failure(.unknownModel):
                throw GatewayError(.notFound, "No rollout is configured for model '\(model)'.")
            case .failure(.refused(let refusal)):
                throw GatewayError(.invalidRequest, refusal.description)
            }
        }
    }

    struct View: Encodable {
        var rollout: RolloutReport
        var shadow: ShadowSummary?
        /// What moving all of the model's traffic would save in 30 days: the saving per
        /// request seen so far times the model's request rate since the rollout began.
        var projectedMonthlySavingUSD: String?
        var savingPerRequestUSD: String?
    }

    static func view(_ rollouts: RolloutBoard, _ model: String, now: Date = Date()) -> View? {
        guard let report = rollouts.report(model: model) else { return nil }
        var monthly: String?
        let elapsed = now.timeIntervalSince(report.startedAt)
        if let perRequest = report.savingPerRequestUSD, elapsed > 0, report.requests > 0 {
            let perMonth = Decimal(report.requests) * Decimal(30 * 86_400) / Decimal(elapsed)
            monthly = "\(Self.rounded(perRequest * perMonth, scale: 2))"
        }
        return View(
            rollout: report, shadow: rollouts.shadowSummaries()[model], projectedMonthlySavingUSD: monthly,
            savingPerRequestUSD: report.savingPerRequestUSD.map { "\(Self.rounded($0, scale: 8))" })
    }

    static func rounded(_ value: Decimal, scale: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, scale, .plain)
        return output
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}

/// The admin key check shared by the admin routes.
enum AdminAuth {
    static func check(_ request: Request, adminKey: Secret?) throws(GatewayError) {
        guard let adminKey else {
            throw GatewayError(.invalidAPIKey, "The admin API is disabled; set server.admin_key in the configuration.")
        }
        let presented = request.headers[.authorization].flatMap(KeyAuthenticator.token(from:)) ?? ""
        guard KeySecrets.constantTimeEqual(Array(presented.utf8), Array(adminKey.value.utf8)) else {
            throw GatewayError(.invalidAPIKey, "A valid admin key is required as 'Authorization: Bearer …'.")
        }
    }
}

extension Data {
    var asBytes: [UInt8] { [UInt8](self) }
}
