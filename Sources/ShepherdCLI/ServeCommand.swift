import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ShepherdCore
import ShepherdLedger
import ShepherdServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: one OpenAI-compatible endpoint in front of the configured providers.",
        discussion: """
            Examples:
              shepherd serve --config examples/demo.yaml
              shepherd serve --config shepherd.yaml --host 0.0.0.0 --port 9000
            SIGTERM or SIGINT drains: requests in flight finish, new ones get 503.
            """)

    @OptionGroup var options: ConfigOption
    @Option(help: "Address to listen on (overrides server.host).") var host: String?
    @Option(help: "Port to listen on (overrides server.port; 0 picks a free one).") var port: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    func run() async throws {
        try await reportingFailures {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw CommandFailure("unknown log level '\(logLevel)'")
            }
            LoggingSystem.bootstrap(
                { label, metadataProvider in
                    var handler = GatewayLogHandler(label: label, metadataProvider: metadataProvider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: GatewayLogging.metadataProvider)
            var config = try ConfigLoader.load(path: options.config)
            if let host { config.server.host = host }
            if let port { config.server.port = port }
            if config.server.auth == .none, !ServerConfig.isLoopback(config.server.host) {
                throw CommandFailure("auth: none is refused on a non-loopback host (\(config.server.host))")
            }
            let logger = Logger(label: "shepherd")
            // Every configuration served is kept, so `shepherd config rollback` can return to it.
            if let yaml = try? String(contentsOfFile: options.config, encoding: .utf8) {
                _ = try? await LedgerStores.withRolloutStore(for: config, logger: logger) {
                    try await $0.recordConfigVersion(yaml: yaml, note: "served")
                }
            }
            let summary = "http://\(config.server.host):%d (\(config.models.count) models, \(config.providers.count) providers)"
            let gateway = try GatewayApplication(config: config, logger: logger)
            let app = gateway.makeApplication { port in
                logger.notice("shepherd listening on \(summary.replacingOccurrences(of: "%d", with: String(port)))")
                let released = StartupPages.release()
                logger.debug("startup pages released", metadata: ["shepherd.released_kib": "\(released / 1024)"])
            }
            try await app.runService()
        }
    }
}
