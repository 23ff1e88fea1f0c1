import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdCore
import ShepherdLedger
import ShepherdServer

/// A gateway built from YAML with its key store in a temporary folder.
struct TestGateway {
    let folder: URL
    let store: SQLiteKeyStore
    let gateway: GatewayApplication

    init(
        _ yaml: String, environment: [String: String] = [:], now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config = try ConfigLoader.parse(yaml, file: folder.appendingPathComponent("shepherd.yaml").path, environment: environment)
        config.sourceFile = folder.appendingPathComponent("shepherd.yaml").path
        store = try SQLiteKeyStore(path: try config.sqlitePath())
        // A rollout interval longer than any test: tests judge the gates by calling tick().
        gateway = try GatewayApplication(config: config, keyStore: store, now: now, wallClock: wallClock, rolloutInterval: .seconds(3600))
    }

    func test(_ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = gateway.makeApplication(port: 0, host: "127.0.0.1")
        try await app.test(setup, body)
        try? FileManager.default.removeItem(at: folder)
    }
}

extension TestClientProtocol {
    /// POSTs a chat request and returns the response.
    @discardableResult
    func chat(_ json: String, key: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers.append(contentsOf: extra)
        return try await execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// `error.code` and `error.message` of an OpenAI envelope.
    var errorEnvelope: (code: String, message: String, type: String)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let error = object["error"] as? [String: Any], let code = error["code"] as? String,
            let message = error["message"] as? String, let type = error["type"] as? String
        else { return nil }
        return (code, message, type)
    }

    var json: [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
    }
}

func userMessage(_ model: String, _ text: String, extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"\#(text)"}]\#(extra)}"#
}
