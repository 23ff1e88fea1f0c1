import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShepherdCore

/// `shepherd rollout …`: reads and moves a running gateway's rollouts through its admin API,
/// so that a command takes effect on the gateway's very next request.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Show or move a model's rollout on the running gateway.",
        discussion: """
            Examples:
              shepherd rollout status chat
              shepherd rollout rollback chat --reason "p99 regression"
              shepherd rollout promote chat --gateway http://10.0.0.5:8080
            The admin key comes from the config's server.admin_key (or SHEPHERD_ADMIN_KEY).
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case status, start, promote, pause, resume, rollback
    }

    @OptionGroup var options: ConfigOption
    @Argument(help: "status, start, promote, pause, resume or rollback.") var action: Action
    @Argument(help: "The public model (status without one lists every rollout).") var model: String?
    @Option(help: "Why, recorded with pause and rollback.") var reason: String?
    @Option(help: "The gateway's base URL (default: from the config's server host and port).") var gateway: String?
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        if action != .status, model == nil { throw ValidationError("\(action.rawValue) needs a MODEL") }
    }

    func run() async throws {
        try await reportingFailures {
            let config = try ConfigLoader.load(path: options.config, requireSecrets: false)
            let base = gateway ?? "http://\(config.server.host == "0.0.0.0" ? "127.0.0.1" : config.server.host):\(config.server.port)"
            let adminKey = ProcessInfo.processInfo.environment["SHEPHERD_ADMIN_KEY"].flatMap { $0.isEmpty ? nil : $0 }
                ?? config.server.adminKey?.value
            guard let adminKey, !adminKey.isEmpty else {
                throw CommandFailure("no admin key: set server.admin_key in \(options.config) or SHEPHERD_ADMIN_KEY")
            }
            let path: String
            var body: String?
            switch action {
            case .status: path = "/admin/v1/rollouts" + (model.map { "/\($0)" } ?? "")
            default:
                path = "/admin/v1/rollouts/\(model ?? "")/\(action.rawValue)"
                var writer = JSONWriter()
                writer.beginObject()
                if let reason { writer.key("reason"); writer.string(reason) }
                writer.endObject()
                body = writer.string
            }
            let answer = try await AdminClient.call(base + path, method: action == .status ? .GET : .POST, body: body, adminKey: adminKey)
            if format == .json {
                print(answer)
                return
            }
            print(try RolloutTable.render(answer, single: model != nil || action != .status, isEvent: action != .status))
        }
    }
}

/// One admin API call; a non-2xx answer becomes a one-line failure with the server's message.
enum AdminClient {
    static func call(_ url: String, method: HTTPMethod, body: String?, adminKey: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminKey)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
            try await client.shutdown()
            guard (200..<300).contains(response.status.code) else {
                let message = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    .flatMap { ($0["error"] as? [String: Any])?["message"] as? String } ?? text
                throw CommandFailure("the gateway answered \(response.status.code): \(message)")
            }
            return text
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            try? await client.shutdown()
            throw CommandFailure("cannot reach the gateway at \(url): \(error)")
        }
    }
}
