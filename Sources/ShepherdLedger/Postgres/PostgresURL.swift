import Foundation
import PostgresNIO
import ShepherdCore

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require` as a
/// PostgresNIO client configuration. Errors never repeat the URL, which may hold a password.
enum PostgresURL {
    static func configuration(_ url: String) throws(GatewayError) -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme,
            scheme == "postgres" || scheme == "postgresql", let host = parts.host, !host.isEmpty
        else {
            throw GatewayError(.internalError, "storage: the postgres:// URL is not valid (postgres://USER:PASSWORD@HOST:PORT/DATABASE)")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        let mode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw GatewayError(.internalError, "storage: unknown sslmode '\(mode)' (disable, prefer or require)")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: parts.port ?? 5432, username: parts.user?.removingPercentEncoding ?? "postgres",
            password: parts.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = 8
        return configuration
    }
}
