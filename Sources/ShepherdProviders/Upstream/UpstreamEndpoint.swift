import Foundation

/// Where a provider's requests go, parsed once: the connection's address and whether it
/// speaks TLS, and what each request names (its target and `Host`).
public struct UpstreamEndpoint: Hashable, Sendable {
    public let usesTLS: Bool
    public let host: String
    public let port: Int
    /// The request target: the path with its query.
    public let target: String
    /// The `Host` header: the port only when it is not the scheme's default.
    public let hostHeader: String

    /// Accepts `http://` and `https://` URLs with a host.
    public init(url: String) throws(UpstreamConnectionError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw UpstreamConnectionError(.invalidURL, "'\(url)' is not an http or https URL with a host")
        }
        self.usesTLS = scheme == "https"
        // URLComponents keeps an IPv6 literal's brackets; the socket address wants it bare.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let defaultPort = usesTLS ? 443 : 80
        self.port = components.port ?? defaultPort
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        let bracketed = self.host.contains(":") ? "[\(self.host)]" : self.host
        self.hostHeader = port == defaultPort ? bracketed : "\(bracketed):\(port)"
    }

    /// Whether `host` is an IP literal, which TLS must not send as the server name (SNI).
    var hostIsIPAddress: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
