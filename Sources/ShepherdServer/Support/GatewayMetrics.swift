import Metrics
import Prometheus

/// The gateway's Prometheus registry, bootstrapped into swift-metrics once per process so
/// that every component (and Hummingbird's own middleware) reports to the same place.
public enum GatewayMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Touches the registry so the bootstrap happens before the first request.
    public static func bootstrap() { _ = registry }

    static func request(route: String, model: String, status: Int, duration: Duration) {
        Counter(label: "shepherd_requests_total", dimensions: [("route", route), ("model", model), ("status", String(status))]).increment()
        Metrics.Timer(label: "shepherd_request_duration_seconds", dimensions: [("route", route), ("model", model)]).recordNanoseconds(duration.nanoseconds)
    }

    static func upstream(provider: String, model: String, outcome: String, duration: Duration) {
        Counter(label: "shepherd_upstream_requests_total", dimensions: [("provider", provider), ("model", model), ("status", outcome)]).increment()
        Metrics.Timer(label: "shepherd_upstream_duration_seconds", dimensions: [("provider", provider), ("model", model)]).recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
