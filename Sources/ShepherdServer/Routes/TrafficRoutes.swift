import Foundation
import Hummingbird
import ShepherdCore
import ShepherdRouting

/// `GET /admin/v1/traffic[?minutes=N]`: each target's client traffic over the last hour (or
/// the last N minutes, 1–60) in one-minute buckets, oldest first, behind the admin key.
///
/// ```json
/// {"bucket_seconds": 60, "minutes": 60, "since": "…", "now": "…",
///  "targets": [{"target": "legacy/gpt-4o", "requests": 120, "errors": 1, "error_rate": 0.0083,
///    "retries": 2, "fallbacks": 0, "p50_ms": 31.2, "p99_ms": 88.0, "cost_usd": "0.0036",
///    "buckets": [{"start": "…", "requests": 2, …}, …]}]}
/// ```
/// `errors` are requests answered with a 5xx; `retries` are attempts beyond the first;
/// `fallbacks` are requests served by a `fallbacks:` model; latency is the whole request's.
/// A request that reached no target is counted under "MODEL (no target)".
struct TrafficRoutes {
    let adminKey: Secret?
    let recorder: TrafficRecorder
    let config: GatewayConfig
    let rollouts: RolloutBoard

    func register(on router: Router<GatewayRequestContext>) {
        let adminKey = self.adminKey
        let recorder = self.recorder
        router.get("/admin/v1/traffic") { request, _ -> Response in
            try AdminAuth.check(request, adminKey: adminKey)
            var minutes: Int?
            if let raw = request.uri.queryParameters["minutes"] {
                guard let value = Int(String(raw)), (1...60).contains(value) else {
                    throw GatewayError(.invalidRequest, "minutes must be a whole number from 1 to 60", param: "minutes")
                }
                minutes = value
            }
            let (now, series) = recorder.series(minutes: minutes)
            return SystemRoutes.json(Self.json(series, now: now, minutes: minutes ?? 60))
        }
        registerShadows(on: router)
    }

    static func json(_ series: [TrafficLog.Series], now: Date, minutes: Int) -> [UInt8] {
        let firstMinute = TrafficLog.minute(of: now) - minutes + 1
        var writer = JSONWriter(reservingCapacity: 4096)
        writer.beginObject()
        writer.key("bucket_seconds"); writer.int(60)
        writer.key("minutes"); writer.int(minutes)
        writer.key("since"); writer.string(timestamp(minute: firstMinute))
        writer.key("now"); writer.string(ISO8601DateFormatter().string(from: now))
        writer.key("targets")
        writer.beginArray()
        for target in series {
            writer.beginObject()
            writer.key("target"); writer.string(target.target)
            write(target.total, into: &writer)
            writer.key("buckets")
            writer.beginArray()
            for (offset, bucket) in target.buckets.enumerated() {
                writer.beginObject()
                writer.key("start"); writer.string(timestamp(minute: firstMinute + offset))
                write(bucket, into: &writer)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    static func write(_ figures: TrafficLog.Figures, into writer: inout JSONWriter) {
        writer.key("requests"); writer.int(figures.requests)
        writer.key("errors"); writer.int(figures.errors)
        writer.key("error_rate"); number(figures.errorRate, into: &writer)
        writer.key("retries"); writer.int(figures.retries)
        writer.key("fallbacks"); writer.int(figures.fallbacks)
        writer.key("p50_ms"); number(figures.latency.quantile(0.5), into: &writer)
        writer.key("p99_ms"); number(figures.latency.quantile(0.99), into: &writer)
        writer.key("cost_usd"); writer.string("\(figures.costUSD)")
    }

    static func number(_ value: Double?, into writer: inout JSONWriter) {
        if let value { writer.number(String(format: "%.4f", value)) } else { writer.null() }
    }

    static func timestamp(minute: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(minute) * 60))
    }
}
