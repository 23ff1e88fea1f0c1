import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ShepherdCore
import ShepherdProviders

/// Chat Completions against any OpenAI-compatible endpoint: a Shepherd gateway, a provider
/// or a relay. Errors are ``ShepherdError``s; a request past `configuration.timeout`, or
/// whose task is cancelled, is cancelled upstream too (its connection is closed).
///
/// ```swift
/// let client = try ShepherdClient(baseURL: "http://127.0.0.1:8080/v1", apiKey: ShepherdClient.apiKey())
/// let answer = try await client.complete(model: "chat", messages: [.user("Hello")])
/// ```
public struct ShepherdClient: ChatCompleting, CustomStringConvertible {
    public struct Configuration: Sendable {
        /// The longest a request may take, streams included, before it is cancelled.
        public var timeout: Duration = .seconds(600)
        /// Headers sent with every request (`x-shepherd-user`, an OpenAI organization …).
        public var headers: [String: String] = [:]
        /// The largest non-stream answer accepted.
        public var maxResponseBytes: Int = 64 * 1024 * 1024
        public init(timeout: Duration = .seconds(600), headers: [String: String] = [:]) {
            self.timeout = timeout
            self.headers = headers
        }
    }

    public let baseURL: URL
    public let configuration: Configuration
    let endpoint: String
    let apiKey: Secret?
    let httpClient: HTTPClient
    let logger: Logger

    /// - Parameters:
    ///   - baseURL: the API root, e.g. `http://127.0.0.1:8080/v1` or `https://api.openai.com/v1`.
    ///   - apiKey: sent as `Authorization: Bearer`; never logged or printed.
    ///   - httpClient: defaults to one client shared by every `ShepherdClient` of the process.
    public init(
        baseURL: URL, apiKey: String? = nil, configuration: Configuration = Configuration(), httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "shepherd.client")
    ) {
        self.baseURL = baseURL
        var root = baseURL.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        self.endpoint = root + "/chat/completions"
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : Secret($0) }
        self.configuration = configuration
        self.httpClient = httpClient ?? SDKHTTPClient.shared
        self.logger = logger
    }

    /// The same with the base URL as text; throws ``ShepherdError`` `.invalidRequest` when it is not an http(s) URL.
    public init(
        baseURL: String, apiKey: String? = nil, configuration: Configuration = Configuration(), httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "shepherd.client")
    ) throws {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw ShepherdError(.invalidRequest(param: "baseURL"), "'\(baseURL)' is not an http(s) URL.")
        }
        self.init(baseURL: url, apiKey: apiKey, configuration: configuration, httpClient: httpClient, logger: logger)
    }

    public var description: String { "ShepherdClient(\(baseURL.absoluteString), key: \(apiKey == nil ? "none" : "<redacted>"))" }

    /// A chat completion (`stream` is forced off; use ``stream(_:)`` for chunks).
    public func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        try await respond(request).completion
    }

    /// A chat completion built from its parts.
    public func complete(
        model: String, messages: [ChatMessage], tools: [Tool]? = nil, maxTokens: Int? = nil, temperature: Double? = nil
    ) async throws -> ChatCompletion {
        var request = ChatCompletionRequest(model: model, messages: messages)
        request.tools = tools
        request.maxTokens = maxTokens
        request.temperature = temperature
        return try await complete(request)
    }

    /// A chat completion with what the gateway said of it (target, attempts, cost).
    public func respond(_ request: ChatCompletionRequest) async throws -> ShepherdResponse {
        var request = request
        request.stream = nil
        request.streamOptions = nil
        let http = try makeRequest(request, stream: false)
        let limit = configuration.maxResponseBytes
        let client = httpClient
        let reply: (status: Int, headers: [String: String], body: ByteBuffer) = try await Self.withTimeout(configuration.timeout) {
            let response = try await client.execute(http, timeout: .hours(24))
            let body = try await response.body.collect(upTo: limit)
            return (Int(response.status.code), Self.metadataHeaders(response.headers), body)
        }
        let bytes = Array(reply.body.readableBytesView)
        guard (200..<300).contains(reply.status) else {
            let error = ErrorDecoding.error(
                status: reply.status, body: bytes, retryAfter: reply.headers["retry-after"], requestID: reply.headers["x-request-id"])
            logger.debug("chat completion failed", metadata: ["shepherd.status": "\(reply.status)", "shepherd.code": "\(error.code ?? "")"])
            throw error
        }
        do {
            let completion = try JSONDecoder().decode(ChatCompletion.self, from: Data(bytes))
            return ShepherdResponse(completion: completion, headers: reply.headers)
        } catch {
            throw ShepherdError(
                .invalidResponse, "The answer is not a chat completion: \(String(decoding: bytes.prefix(200), as: UTF8.self))",
                status: reply.status, requestID: reply.headers["x-request-id"])
        }
    }

    func makeRequest(_ request: ChatCompletionRequest, stream: Bool) throws -> HTTPClientRequest {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw ShepherdError(.invalidRequest(param: nil), "The request could not be encoded: \(error)")
        }
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: stream ? "text/event-stream" : "application/json")
        http.headers.add(name: "User-Agent", value: "shepherd-swift")
        for (name, value) in configuration.headers { http.headers.add(name: name, value: value) }
        if let apiKey { http.headers.add(name: "Authorization", value: "Bearer \(apiKey.value)") }
        http.body = .bytes(ByteBuffer(bytes: body))
        return http
    }

    /// The response headers the SDK reports, lower-cased.
    static func metadataHeaders(_ headers: some Sequence<(name: String, value: String)>) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower.hasPrefix("x-") || lower == "retry-after" || lower == "content-type" { out[lower] = value }
        }
        return out
    }

    /// Runs `operation`, cancelling it (and with it the HTTP request and its connection)
    /// when `timeout` passes; maps transport errors to ``ShepherdError``.
    static func withTimeout<Value: Sendable>(
        _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        do {
            // An event-loop timer, not a racing `Task.sleep`: a cancelled sleeper would hold
            // its task until the timeout passed (see DeadlineRace).
            guard let value = try await DeadlineRace.run(until: .now.advanced(by: timeout), operation) else {
                throw ShepherdError(.timeout, "No complete answer within \(timeout); the request was cancelled.")
            }
            return value
        } catch {
            throw transportError(error)
        }
    }

    static func transportError(_ error: any Error) -> any Error {
        if error is ShepherdError || error is CancellationError { return error }
        if let http = error as? HTTPClientError {
            if http == .cancelled { return CancellationError() }
            // A connect timeout is a connection that never happened (AsyncHTTPClient keeps
            // retrying a refused connection until then), not a slow answer.
            if http == .connectTimeout {
                return ShepherdError(.connection, "Could not connect to the endpoint (\(http)).")
            }
            if http == .deadlineExceeded || http == .readTimeout {
                return ShepherdError(.timeout, "The request timed out (\(http)).")
            }
            return ShepherdError(.connection, "The connection failed: \(http).")
        }
        if Task.isCancelled { return CancellationError() }
        return ShepherdError(.connection, "The connection failed: \(error).")
    }
}

/// A completion and what the answering gateway said of it in its headers (SPEC §4).
public struct ShepherdResponse: Sendable {
    public var completion: ChatCompletion
    /// `x-*` headers, `retry-after` and `content-type`, names lower-cased.
    public var headers: [String: String]

    public var requestID: String? { headers["x-request-id"] }
    /// The provider that answered (`x-shepherd-provider`), when a gateway answered.
    public var provider: String? { headers["x-shepherd-provider"] }
    public var targetModel: String? { headers["x-shepherd-model"] }
    public var attempts: Int? { headers["x-shepherd-attempts"].flatMap(Int.init) }
    public var costUSD: Decimal? { headers["x-shepherd-cost-usd"].flatMap { Decimal(string: $0) } }
}

/// The HTTP client of the SDK when none is given: one per process, sized for an app that
/// calls a few hosts (64 connections per host, idle ones closed after a minute).
enum SDKHTTPClient {
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled)
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
