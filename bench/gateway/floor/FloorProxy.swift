import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ShepherdProviders
import ShepherdServer

/// The floor for `bench/gateway/run.sh --floor BIN`: a proxy built from the parts of Shepherd
/// that every request must pass through — Hummingbird, the gateway's server channel (tasks on
/// their connection's event loop) and its upstream connection pool — with nothing else between
/// the two sockets: no JSON, keys, routing, breakers, metrics, ledger or logging.
///
/// What Shepherd costs beyond this is its own work; what this costs beyond nginx is the stack's.
///
///     shepherd-floor --port 8080 --upstream http://127.0.0.1:9000/v1/chat/completions [--stream] [--server nio]
///
/// With `--stream` it relays the upstream's answer as it arrives (`text/event-stream`), as
/// Shepherd does for `stream: true`; otherwise it reads the whole answer, as Shepherd does.
/// `--server nio` measures a proxy on SwiftNIO alone instead (``NIOFloor``).
@main
struct FloorProxy {
    static func main() async throws {
        let options = try Options(CommandLine.arguments.dropFirst())
        let endpoint = try UpstreamEndpoint(url: options.upstream)
        if options.server == "nio" {
            try NIOFloor.run(port: options.port, upstream: endpoint)
            return
        }
        let pool = UpstreamConnectionPool()
        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 8 * 1024 * 1024)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            if let authorization = request.headers[.authorization] { headers.add(name: "Authorization", value: authorization) }
            let upstreamRequest = UpstreamRequest(endpoint: endpoint, headers: headers, body: body)
            let deadline = NIODeadline.now() + .seconds(60)
            if options.stream {
                let answer = try await pool.stream(upstreamRequest, deadline: deadline)
                return Response(
                    status: .init(code: Int(answer.status.code)), headers: [.contentType: "text/event-stream"],
                    body: ResponseBody(asyncSequence: answer.body))
            }
            let answer = try await pool.execute(upstreamRequest, deadline: deadline)
            return Response(
                status: .init(code: Int(answer.status.code)), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: answer.body))
        }
        let app = Application(
            router: router, server: .eventLoopBoundHTTP1(),
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: nil))
        try await app.runService()
        await pool.shutdown()
    }
}

private struct Options {
    var port = 0
    var upstream = ""
    var stream = false
    var server = "hummingbird"

    init(_ arguments: ArraySlice<String>) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--port": port = Int(rest.popFirst() ?? "") ?? 0
            case "--upstream": upstream = rest.popFirst() ?? ""
            case "--stream": stream = true
            case "--server": server = rest.popFirst() ?? ""
            default: throw UsageError(message: "unknown option \(argument)")
            }
        }
        guard port > 0, !upstream.isEmpty, server == "hummingbird" || server == "nio" else {
            throw UsageError(message: "usage: shepherd-floor --port PORT --upstream URL [--stream] [--server hummingbird|nio]")
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
