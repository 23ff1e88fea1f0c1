import Foundation
import ShepherdCore

extension ShepherdClient {
    /// The first of `names` set in the process environment, else in the `.env` file at
    /// `dotEnvPath` (the current directory's by default); nil when none is set. The key is
    /// only returned, never logged.
    public static func apiKey(
        names: [String] = ["SHEPHERD_API_KEY", "OPENAI_API_KEY"], dotEnvPath: String = ".env",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        let fromFile = (try? String(contentsOfFile: dotEnvPath, encoding: .utf8)).map(DotEnv.parse) ?? [:]
        for name in names {
            if let value = environment[name], !value.isEmpty { return value }
        }
        for name in names {
            if let value = fromFile[name], !value.isEmpty { return value }
        }
        return nil
    }

    /// A client for `SHEPHERD_BASE_URL` (default `http://127.0.0.1:8080/v1`) with the key
    /// from ``apiKey(names:dotEnvPath:environment:)``.
    public static func fromEnvironment(
        dotEnvPath: String = ".env", environment: [String: String] = ProcessInfo.processInfo.environment,
        configuration: Configuration = Configuration()
    ) throws -> ShepherdClient {
        let fromFile = (try? String(contentsOfFile: dotEnvPath, encoding: .utf8)).map(DotEnv.parse) ?? [:]
        let base = environment["SHEPHERD_BASE_URL"] ?? fromFile["SHEPHERD_BASE_URL"] ?? "http://127.0.0.1:8080/v1"
        return try ShepherdClient(
            baseURL: base, apiKey: apiKey(dotEnvPath: dotEnvPath, environment: environment), configuration: configuration)
    }
}
