import HTTPTypes
import Hummingbird
import ShepherdCore
import ShepherdLedger

/// `/v1/models`, `/healthz`, `/readyz`, `/metrics`.
struct SystemRoutes {
    let config: GatewayConfig
    let keyStore: (any KeyStore)?
    let drain: DrainState
    let authenticator: KeyAuthenticator

    func register(on router: Router<GatewayRequestContext>) {
        let config = self.config
        let authenticator = self.authenticator
        let keyStore = self.keyStore
        let drain = self.drain
        router.get("/v1/models") { request, _ -> Response in
            let caller = try await authenticator.authenticate(bearer: request.headers[.authorization])
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("object"); writer.string("list")
            writer.key("data"); writer.beginArray()
            for model in config.models where caller.key?.allows(model: model.name) ?? true {
                writer.beginObject()
                writer.key("id"); writer.string(model.name)
                writer.key("object"); writer.string("model")
                writer.key("created"); writer.int(0)
                writer.key("owned_by"); writer.string("shepherd")
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
            return Self.json(writer.bytes)
        }
        router.get("/healthz") { _, _ in Self.json(Array(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ -> Response in
            if drain.isDraining {
                return GatewayError(.shuttingDown, "The gateway is shutting down.").response(requestID: nil)
            }
            if let keyStore, await !keyStore.ping() {
                return GatewayError(.internalError, "Storage is not reachable.").response(requestID: nil)
                    .withStatus(.serviceUnavailable)
            }
            return Self.json(Array(#"{"status":"ready"}"#.utf8))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: GatewayMetrics.registry.emitToBuffer())))
        }
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Response {
    func withStatus(_ status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}
