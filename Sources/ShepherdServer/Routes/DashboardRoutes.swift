import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /dashboard` and its assets (`/dashboard/app.js`, …), shipped as package resources and
/// read once when the router is built. The page itself holds no data and needs no key: it
/// asks for the admin key and calls the admin API like any other client.
struct DashboardRoutes {
    struct Asset: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }

    let assets: [String: Asset]

    init(assets: [String: Asset] = Self.bundled()) {
        self.assets = assets
    }

    /// The files of `Resources/Dashboard`, by name; only these are ever served.
    static func bundled() -> [String: Asset] {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Dashboard"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [:] }
        var assets: [String: Asset] = [:]
        for name in names {
            guard let type = contentTypes[(name as NSString).pathExtension],
                let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
            else { continue }
            assets[name] = Asset(contentType: type, bytes: ByteBuffer(bytes: data))
        }
        return assets
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "css": "text/css; charset=utf-8", "svg": "image/svg+xml",
    ]

    /// Same origin only: no third-party script, style, image or connection, no framing.
    static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func register(on router: Router<GatewayRequestContext>) {
        let assets = self.assets
        @Sendable func serve(_ name: String) -> Response {
            guard let asset = assets[name] else {
                return Response(
                    status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "Not found.\n")))
            }
            let headers: HTTPFields = [
                .contentType: asset.contentType, .cacheControl: "no-cache",
                .contentSecurityPolicy: Self.policy, HTTPField.Name("x-content-type-options")!: "nosniff",
                HTTPField.Name("referrer-policy")!: "no-referrer",
            ]
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.bytes))
        }
        router.get("/dashboard") { _, _ in serve("index.html") }
        router.get("/dashboard/{file}") { _, context in serve(context.parameters.get("file") ?? "") }
    }
}
