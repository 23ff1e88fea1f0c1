import ArgumentParser
import Foundation
import ShepherdCore

@main
struct ShepherdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shepherd",
        abstract: "An LLM gateway for teams that move model traffic between providers.",
        discussion: """
            Examples:
              shepherd serve --config examples/demo.yaml
              shepherd keys create --name backend --models chat --format json
            """,
        version: "0.1.0",
        subcommands: [ServeCommand.self, KeysCommand.self, UsageCommand.self, AuditCommand.self, CompareCommand.self, TokensCommand.self, ChunkCommand.self, AnalyzeCommand.self, RolloutCommand.self, DoctorCommand.self, ConfigCommand.self])
}

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The configuration file.")
    var config: String = "shepherd.yaml"
}

/// A failure the command explains in one line; exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension AsyncParsableCommand {
    /// Runs `body`, printing any failure as one line on stderr and exiting 1.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExitCode {
            throw error
        } catch let error as ConfigError {
            Self.fail(error.description)
        } catch let error as GatewayError {
            Self.fail(error.message)
        } catch let error as CommandFailure {
            Self.fail(error.description)
        } catch {
            Self.fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("shepherd: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}
