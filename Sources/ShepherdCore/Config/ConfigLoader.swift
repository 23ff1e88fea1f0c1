import Foundation
import Yams

/// Turns YAML into a validated ``GatewayConfig``, or a ``ConfigError`` that names the file,
/// line and key and says what would be valid.
public enum ConfigLoader {
    /// - Parameter requireSecrets: false for commands that never call an upstream, so that
    ///   `env:` references to unset upstream keys do not stop them.
    public static func load(path: String, environment: [String: String]? = nil, requireSecrets: Bool = true) throws(ConfigError) -> GatewayConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, keyPath: "", message: "cannot read the configuration file (\(Self.reason(error)))")
        }
        let env = environment ?? DotEnv.environment(besideConfig: path)
        var config = try parse(text, file: path, environment: env, requireSecrets: requireSecrets)
        config.sourceFile = path
        return config
    }

    public static func parse(
        _ yaml: String, file: String = "shepherd.yaml", environment: [String: String] = [:], requireSecrets: Bool = true
    ) throws(ConfigError) -> GatewayConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigError(file: file, line: nil, keyPath: "", message: "the file is empty; it needs at least 'providers' and 'models'")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), keyPath: "", message: "invalid YAML: \(Self.summary(of: error))")
        } catch {
            throw ConfigError(file: file, line: nil, keyPath: "", message: "invalid YAML: \(error)")
        }
        let top = YAMLCursor(node: root, path: "", file: file, environment: environment, environmentIsOptional: !requireSecrets)
        var server = ServerConfig()
        var storage = StorageLocation.sqlite(path: "shepherd.db")
        var providers: [ProviderConfig] = []
        var models: [ModelConfig] = []
        var pricing: [String: PriceOverride] = [:]
        var providersCursor: YAMLCursor?
        var modelsCursor: YAMLCursor?
        for (key, value) in try top.mapping(allowed: ["server", "storage", "providers", "models", "pricing"]) {
            switch key {
            case "server": server = try parseServer(value)
            case "storage": storage = try parseStorage(value)
            case "providers":
                providers = try value.mapping().map { name, cursor throws(ConfigError) in try parseProvider(name, cursor) }
                providersCursor = value
            case "models":
                models = try value.mapping().map { name, cursor throws(ConfigError) in try parseModel(name, cursor) }
                modelsCursor = value
            default:
                for (target, cursor) in try value.mapping() {
                    _ = try YAMLCursor(node: .init(target), path: "pricing", file: file, environment: [:]).targetRef()
                    pricing[target] = try parsePrice(cursor)
                }
            }
        }
        guard let providersCursor, !providers.isEmpty else {
            throw top.error("'providers' is missing or empty; define at least one (kind: openai, anthropic, gemini or mock)")
        }
        guard let modelsCursor, !models.isEmpty else {
            throw top.error("'models' is missing or empty; define at least one public model with 'targets'")
        }
        if server.auth == .none, !ServerConfig.isLoopback(server.host) {
            throw top.child("server", root).error("auth: none is refused on a non-loopback host (\(server.host)); use auth: keys or host: 127.0.0.1")
        }
        if storage == .disabled, server.auth == .keys {
            throw top.child("storage", root).error("storage: none keeps no keys; use auth: none (loopback only) or sqlite:// / postgres:// storage")
        }
        let config = GatewayConfig(server: server, storage: storage, providers: providers, models: models, pricing: pricing, sourceFile: file)
        try crossCheck(config, providers: providersCursor, models: modelsCursor)
        return config
    }

    // MARK: Sections

    static func parseServer(_ cursor: YAMLCursor) throws(ConfigError) -> ServerConfig {
        var server = ServerConfig()
        for (key, value) in try cursor.mapping(allowed: ["host", "port", "auth", "admin_key", "max_body_mb"]) {
            switch key {
            case "host": server.host = try value.string()
            case "port": server.port = try value.int(in: 0...65535)
            case "auth": server.auth = try value.oneOf(ServerConfig.Auth.self)
            case "admin_key": server.adminKey = try value.secret()
            default: server.maxBodyBytes = Int(try value.double(in: 0.001...4096) * 1024 * 1024)
            }
        }
        return server
    }

    static func parseStorage(_ cursor: YAMLCursor) throws(ConfigError) -> StorageLocation {
        let raw = try cursor.string()
        if raw.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw cursor.error("sqlite:// needs a file path, e.g. sqlite://shepherd.db") }
            return .sqlite(path: path)
        }
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") { return .postgres(url: raw) }
        if raw == "none" { return .disabled }
        throw cursor.error("expected sqlite://FILE, postgres://user:pass@host:5432/db or none")
    }

    static func parseProvider(_ name: String, _ cursor: YAMLCursor) throws(ConfigError) -> ProviderConfig {
        let members = try cursor.mapping(allowed: [
            "kind", "base_url", "api_key", "timeout_s", "rpm", "tpm", "latency_ms", "jitter_ms", "fail_rate",
            "fail_status", "fail_after", "retry_after_s", "hang", "stream_chunk_ms", "reply", "seed",
        ])
        guard let kindCursor = members.first(where: { $0.key == "kind" })?.value else {
            throw cursor.error("'kind' is required; valid: \(ProviderConfig.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var provider = ProviderConfig(name: name, kind: try kindCursor.oneOf(ProviderConfig.Kind.self))
        let mockOnly: Set = ["latency_ms", "jitter_ms", "fail_rate", "fail_status", "fail_after", "retry_after_s", "hang", "stream_chunk_ms", "reply", "seed"]
        for (key, value) in members {
            if mockOnly.contains(key), provider.kind != .mock {
                throw value.error("'\(key)' applies to kind: mock only")
            }
            switch key {
            case "kind": continue
            case "base_url":
                guard provider.kind != .mock else { throw value.error("kind: mock takes no base_url") }
                let url = try value.string()
                guard let parsed = URL(string: url), let scheme = parsed.scheme, scheme == "http" || scheme == "https", parsed.host != nil else {
                    throw value.error("expected an http(s) URL such as https://api.openai.com/v1, got '\(url)'")
                }
                provider.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
            case "api_key": provider.apiKey = try value.secret()
            case "timeout_s": provider.timeoutSeconds = try value.double(in: 0.001...86_400)
            case "rpm": provider.rpm = try value.int(in: 1...100_000_000)
            case "tpm": provider.tpm = try value.int(in: 1...Int.max)
            case "latency_ms": provider.mock.latencyMs = try value.int(in: 0...3_600_000)
            case "jitter_ms": provider.mock.jitterMs = try value.int(in: 0...3_600_000)
            case "fail_rate": provider.mock.failRate = try value.double(in: 0...1)
            case "fail_status": provider.mock.failStatus = try value.int(in: 400...599)
            case "fail_after": provider.mock.failAfter = try value.int(in: 0...Int.max)
            case "retry_after_s": provider.mock.retryAfterSeconds = try value.int(in: 0...86_400)
            case "hang": provider.mock.hang = try value.bool()
            case "stream_chunk_ms": provider.mock.streamChunkMs = try value.int(in: 0...60_000)
            case "reply": provider.mock.reply = try value.string()
            default: provider.mock.seed = UInt64(try value.int(in: 0...Int.max))
            }
        }
        if provider.kind == .openai, provider.baseURL == nil {
            throw cursor.error("kind: openai needs 'base_url' (the API root, e.g. https://api.openai.com/v1)")
        }
        return provider
    }

    static func parseModel(_ name: String, _ cursor: YAMLCursor) throws(ConfigError) -> ModelConfig {
        var model = ModelConfig(name: name, targets: [])
        var sawTargets = false
        for (key, value) in try cursor.mapping(allowed: [
            "targets", "sticky", "fallbacks", "retry", "breaker", "context_window_fallback", "rollout", "shadow",
        ]) {
            switch key {
            case "targets":
                sawTargets = true
                model.targets = try value.sequence().map { item throws(ConfigError) in try parseTarget(item) }
                if model.targets.isEmpty { throw value.error("a model needs at least one target") }
            case "sticky": model.sticky = try value.oneOf(ModelConfig.Sticky.self)
            case "fallbacks": model.fallbacks = try value.sequence().map { item throws(ConfigError) in try item.string() }
            case "retry": model.retry = try parseRetry(value)
            case "breaker": model.breaker = try parseBreaker(value)
            case "context_window_fallback": model.contextWindowFallback = try value.string()
            case "rollout": model.rollout = try parseRollout(value)
            default: model.shadow = try parseShadow(value)
            }
        }
        if !sawTargets { throw cursor.error("'targets' is required: a list of { provider, model, weight }") }
        return model
    }

    static func parseTarget(_ cursor: YAMLCursor) throws(ConfigError) -> Target {
        var provider: String?
        var model: String?
        var weight = 1
        var window: Int?
        for (key, value) in try cursor.mapping(allowed: ["provider", "model", "weight", "context_window"]) {
            switch key {
            case "provider": provider = try value.string()
            case "model": model = try value.string()
            case "weight": weight = try value.int(in: 0...1_000_000)
            default: window = try value.int(in: 1...100_000_000)
            }
        }
        guard let provider else { throw cursor.error("'provider' is required") }
        guard let model, !model.isEmpty else { throw cursor.error("'model' is required (the upstream's model name)") }
        return Target(provider: provider, model: model, weight: weight, contextWindow: window)
    }

    static func parseRetry(_ cursor: YAMLCursor) throws(ConfigError) -> RetryPolicy {
        var retry = RetryPolicy()
        for (key, value) in try cursor.mapping(allowed: ["attempts", "base_ms", "max_ms", "deadline_s"]) {
            switch key {
            case "attempts": retry.attempts = try value.int(in: 1...20)
            case "base_ms": retry.baseMs = try value.int(in: 0...600_000)
            case "max_ms": retry.maxMs = try value.int(in: 0...3_600_000)
            default: retry.deadlineSeconds = try value.double(in: 0.001...86_400)
            }
        }
        return retry
    }

    static func parseBreaker(_ cursor: YAMLCursor) throws(ConfigError) -> BreakerPolicy {
        var breaker = BreakerPolicy()
        for (key, value) in try cursor.mapping(allowed: ["window", "min_requests", "failure_rate", "open_s", "half_open_probes"]) {
            switch key {
            case "window": breaker.window = try value.int(in: 1...100_000)
            case "min_requests": breaker.minRequests = try value.int(in: 1...100_000)
            case "failure_rate": breaker.failureRate = try value.double(in: 0...1)
            case "open_s": breaker.openSeconds = try value.double(in: 0...86_400)
            default: breaker.halfOpenProbes = try value.int(in: 1...1000)
            }
        }
        return breaker
    }
}
