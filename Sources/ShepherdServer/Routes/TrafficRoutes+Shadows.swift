import Foundation
import Hummingbird
import ShepherdCore
import ShepherdRouting

extension TrafficRoutes {
    /// `GET /admin/v1/shadows`: every model with a `shadow:` block, rollout or not, with its
    /// mirror target, percent and comparison summary so far (null before the first mirror):
    /// `{"data": [{"model": "chat", "to": "relay/flash", "percent": 10, "summary": {…}}]}`.
    /// The summary has the fields of the `shadow` object of `/admin/v1/rollouts`.
    struct Shadow: Encodable {
        var model: String
        var to: String
        var percent: Double
        var summary: ShadowSummary?
    }

    struct Shadows: Encodable {
        var data: [Shadow]
    }

    func registerShadows(on router: Router<GatewayRequestContext>) {
        let adminKey = self.adminKey
        let config = self.config
        let rollouts = self.rollouts
        router.get("/admin/v1/shadows") { request, _ -> Response in
            try AdminAuth.check(request, adminKey: adminKey)
            let summaries = rollouts.shadowSummaries()
            let shadows = config.models.compactMap { model in
                model.shadow.map { Shadow(model: model.name, to: $0.to.description, percent: $0.percent, summary: summaries[model.name]) }
            }
            return SystemRoutes.json(try RolloutRoutes.encoder.encode(Shadows(data: shadows)).asBytes)
        }
    }
}
