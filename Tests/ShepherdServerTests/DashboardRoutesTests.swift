import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import ShepherdServer

@Suite("Dashboard: the page and its assets")
struct DashboardRoutesTests {
    static let yaml = """
        server: { auth: none }
        storage: sqlite://d.db
        providers: { sim: { kind: mock } }
        models: { chat: { targets: [{ provider: sim, model: gpt-4o }] } }
        """

    @Test("the page and its scripts are served from the bundle with a same-origin policy")
    func servesAssets() async throws {
        let gateway = try TestGateway(Self.yaml)
        try await gateway.test { client in
            let page = try await client.execute(uri: "/dashboard", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("<main"))
            let policy = try #require(page.headers[.contentSecurityPolicy])
            #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
            for name in ["app.js", "charts.js", "migration.js", "traffic.js", "spend.js", "style.css"] {
                let asset = try await client.execute(uri: "/dashboard/\(name)", method: .get)
                #expect(asset.status == .ok, "\(name)")
                #expect(page.text.contains("/dashboard/\(name)"), "index.html loads \(name)")
            }
        }
    }

    @Test("nothing outside the dashboard's own files is served, and no external address is referenced")
    func onlyOwnFiles() async throws {
        let gateway = try TestGateway(Self.yaml)
        try await gateway.test { client in
            for path in ["/dashboard/..%2FPackage.swift", "/dashboard/missing.js", "/dashboard/.hidden"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
            }
        }
        for (name, asset) in DashboardRoutes.bundled() {
            // The SVG namespace is a name, not an address anything is fetched from.
            let text = String(buffer: asset.bytes).replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"), "\(name)")
        }
    }
}
