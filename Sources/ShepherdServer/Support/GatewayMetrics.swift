import Metrics
import Prometheus
import Synchronization

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
        let handles = requests.handles(for: [route, model, String(status)]) { labels in
            (
                Metrics.Counter(label: "shepherd_requests_total", dimensions: [("route", labels[0]), ("model", labels[1]), ("status", labels[2])]),
                Metrics.Timer(label: "shepherd_request_duration_seconds", dimensions: [("route", labels[0]), ("model", labels[1])])
            )
        }
        handles.counter.increment()
        handles.timer.recordNanoseconds(duration.nanoseconds)
    }

    static func upstream(provider: String, model: String, outcome: String, duration: Duration) {
        let handles = upstreams.handles(for: [provider, model, outcome]) { labels in
            (
                Metrics.Counter(label: "shepherd_upstream_requests_total", dimensions: [("provider", labels[0]), ("model", labels[1]), ("status", labels[2])]),
                Metrics.Timer(label: "shepherd_upstream_duration_seconds", dimensions: [("provider", labels[0]), ("model", labels[1])])
            )
        }
        handles.counter.increment()
        handles.timer.recordNanoseconds(duration.nanoseconds)
    }

    private static let requests = MetricHandles()
    private static let upstreams = MetricHandles()
}

/// A counter and a timer per label set, made once: asking the metrics factory on every
/// request means building and hashing the labels in its registry under its lock.
private final class MetricHandles: Sendable {
    typealias Handles = (counter: Metrics.Counter, timer: Metrics.Timer)
    private let made = Mutex<[[String]: Handles]>([:])

    func handles(for labels: [String], make: ([String]) -> Handles) -> Handles {
        if let handles = made.withLock({ $0[labels] }) { return handles }
        let handles = make(labels)
        made.withLock { $0[labels] = handles }
        return handles
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
