import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore

/// Gives every request an id and
/// every response the matching header, and turns every error a route throws into the
/// OpenAI envelope, logged at the level its code deserves.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // Always the gateway's own id, never one a client sent: it is the ledger row's key,
        // and a client reusing an id must not be able to overwrite or hide a row.
        context.requestID = RequestIDs.next()
        let requestID = context.requestID
        do {
            var response = try await RequestIDs.$current.withValue(requestID) { try await next(request, context) }
            response.headers[.requestID] = requestID
            return response
        } catch {
            let gatewayError = GatewayError.from(error)
            gatewayError.log(to: context.logger, cause: error)
            return gatewayError.response(requestID: requestID)
        }
    }
}

extension GatewayError {
    /// Client mistakes are routine (debug); gateway and upstream faults are warnings.
    func log(to logger: Logger, cause: any Error) {
        if isClientError {
            logger.debug("request refused", metadata: ["shepherd.error": "\(code.rawValue)"])
        } else {
            logger.warning(
                "request failed",
                metadata: [
                    "shepherd.error": "\(code.rawValue)", "shepherd.detail": "\(message)",
                    "shepherd.cause": "\(String(describing: Swift.type(of: cause)))",
                ])
        }
    }
}
