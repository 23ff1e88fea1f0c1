import HTTPTypes
import Hummingbird
import Logging
import ShepherdCore

/// Turns every error a route throws into the OpenAI envelope, logged at the level its
/// code deserves. Unknown errors are logged in full here and described vaguely outward.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let gatewayError = GatewayError.from(error)
            if gatewayError.isClientError {
                context.logger.debug("request refused", metadata: ["shepherd.error": "\(gatewayError.code.rawValue)"])
            } else {
                context.logger.warning(
                    "request failed",
                    metadata: [
                        "shepherd.error": "\(gatewayError.code.rawValue)", "shepherd.detail": "\(gatewayError.message)",
                        "shepherd.cause": "\(String(describing: type(of: error)))",
                    ])
            }
            return gatewayError.response(requestID: request.headers[.requestID])
        }
    }
}
