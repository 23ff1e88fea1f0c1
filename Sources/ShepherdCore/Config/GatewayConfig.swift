import Foundation

/// The validated configuration of a gateway (SPEC §3). Built once by ``ConfigLoader``;
/// everything downstream can trust it.
public struct GatewayConfig: Sendable {
    public var server: ServerConfig
    public var storage: StorageLocation
    public var providers: [ProviderConfig]
    public var models: [ModelConfig]
    public var pricing: [String: PriceOverride]
    /// The file it came from; relative paths (a SQLite file) are taken from its folder.
    public var sourceFile: String?

    public init(
        server: ServerConfig = ServerConfig(), storage: StorageLocation = .sqlite(path: "shepherd.db"),
        providers: [ProviderConfig], models: [ModelConfig], pricing: [String: PriceOverride] = [:],
        sourceFile: String? = nil
    ) {
        self.server = server
        self.storage = storage
        self.providers = providers
        self.models = models
        self.pricing = pricing
        self.sourceFile = sourceFile
    }

    public func provider(named name: String) -> ProviderConfig? { providers.first { $0.name == name } }
    public func model(named name: String) -> ModelConfig? { models.first { $0.name == name } }

    /// A request's total deadline: the model's `retry.deadline_s`, else twice the longest
    /// timeout among the providers it (and its fallbacks) may use.
    public func requestDeadline(for model: ModelConfig) -> Duration {
        if let seconds = model.retry.deadlineSeconds { return .milliseconds(Int64(seconds * 1000)) }
        let names = Set(([model] + model.fallbacks.compactMap { self.model(named: $0) }).flatMap { $0.targets.map(\.provider) })
        let longest = providers.filter { names.contains($0.name) }.map(\.timeoutSeconds).max() ?? 120
        return .milliseconds(Int64(longest * 2000))
    }
}

public struct ServerConfig: Sendable {
    public enum Auth: String, Sendable, CaseIterable { case keys, none }

    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var auth: Auth = .keys
    public var adminKey: Secret?
    public var maxBodyBytes: Int = 64 * 1024 * 1024

    public init() {}

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

public enum StorageLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)
    /// `storage: none`: no ledger, keys or budgets; for stateless edges, and to measure what
    /// the ledger costs.
    case disabled
}

public struct ProviderConfig: Sendable {
    public enum Kind: String, Sendable, CaseIterable { case openai, anthropic, gemini, mock }

    public var name: String
    public var kind: Kind
    public var baseURL: String?
    public var apiKey: Secret?
    public var timeoutSeconds: Double = 120
    public var rpm: Int?
    public var tpm: Int?
    public var mock: MockSettings = MockSettings()

    public init(name: String, kind: Kind, baseURL: String? = nil, apiKey: Secret? = nil) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
    }
}

/// How the built-in `mock` provider behaves: deterministic for a given `seed`.
public struct MockSettings: Sendable {
    public var latencyMs: Int = 0
    public var jitterMs: Int = 0
    public var failRate: Double = 0
    public var failStatus: Int = 500
    /// Calls answered well before `fail_rate` applies: a candidate that degrades mid-rollout.
    public var failAfter: Int = 0
    public var retryAfterSeconds: Int?
    /// Never answers: for exercising timeouts.
    public var hang: Bool = false
    /// Pause between stream chunks.
    public var streamChunkMs: Int = 0
    /// A fixed reply; by default the mock echoes the last user message.
    public var reply: String?
    public var seed: UInt64 = 42

    public init() {}
}

public struct ModelConfig: Sendable {
    public enum Sticky: String, Sendable, CaseIterable { case none, user }

    public var name: String
    public var targets: [Target]
    public var sticky: Sticky = .none
    public var fallbacks: [String] = []
    public var retry: RetryPolicy = RetryPolicy()
    public var breaker: BreakerPolicy = BreakerPolicy()
    public var contextWindowFallback: String?
    public var rollout: RolloutPlan?
    public var shadow: ShadowPlan?

    public init(name: String, targets: [Target]) {
        self.name = name
        self.targets = targets
    }
}

/// `provider/model`, as written in `rollout:`, `shadow:` and `pricing:`.
public struct TargetRef: Sendable, Hashable, CustomStringConvertible {
    public var provider: String
    public var model: String
    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }
    public var description: String { "\(provider)/\(model)" }
}

public struct Target: Sendable, Hashable {
    public var provider: String
    public var model: String
    public var weight: Int
    /// Input tokens the target accepts, when the price catalog does not know (a relay's
    /// model) or knows wrong.
    public var contextWindow: Int?
    public init(provider: String, model: String, weight: Int = 1, contextWindow: Int? = nil) {
        self.provider = provider
        self.model = model
        self.weight = weight
        self.contextWindow = contextWindow
    }
    public var ref: TargetRef { TargetRef(provider: provider, model: model) }
}

public struct RetryPolicy: Sendable {
    /// Tries per target, the first included.
    public var attempts: Int = 1
    public var baseMs: Int = 200
    public var maxMs: Int = 10_000
    /// The whole request's deadline across attempts and fallbacks; by default twice the
    /// longest `timeout_s` among the model's providers.
    public var deadlineSeconds: Double?
    public init() {}
}

public struct BreakerPolicy: Sendable {
    public var window: Int = 20
    public var minRequests: Int = 10
    public var failureRate: Double = 0.5
    public var openSeconds: Double = 30
    public var halfOpenProbes: Int = 3
    public init() {}
}

public struct RolloutPlan: Sendable {
    public enum OnGateFailure: String, Sendable, CaseIterable { case rollback, pause }
    public var from: TargetRef
    public var to: TargetRef
    public var steps: [Double]
    public var holdRequests: Int
    public var holdMinutes: Double
    public var maxErrorRate: Double?
    public var maxP99Ms: Double?
    public var maxCostRatio: Double?
    public var onGateFailure: OnGateFailure
}

public struct ShadowPlan: Sendable {
    public var to: TargetRef
    public var percent: Double
}

/// USD per million tokens, exact.
public struct PriceOverride: Sendable, Equatable {
    public var input: Decimal
    public var cachedInput: Decimal?
    public var output: Decimal
    public init(input: Decimal, cachedInput: Decimal? = nil, output: Decimal) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
    }
}

/// A credential read from the configuration. It never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
