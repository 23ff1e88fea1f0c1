import Foundation
import NIOCore
import ShepherdCore

/// What the dialects share: reading a client's body into a typed request with errors that
/// name the field, and reading the OpenAI error events the gateway's relay writes.
enum DialectSupport {
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(GatewayError) -> T {
        do {
            return try WireJSON.decode(type, from: body)
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw GatewayError(.invalidRequest, "We could not parse the JSON body of your request.")
        }
    }

    static func encode(_ value: some Encodable) throws(GatewayError) -> [UInt8] {
        do {
            return try WireJSON.encode(value)
        } catch {
            throw GatewayError(.internalError, "Could not encode the translated body: \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> GatewayError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let param = path(context.codingPath + [key])
            return GatewayError(.invalidRequest, "Missing required parameter '\(param)'.", param: param)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let param = path(context.codingPath)
            return GatewayError(.invalidRequest, "Invalid type for '\(param.isEmpty ? "body" : param)'.", param: param.isEmpty ? nil : param)
        case .dataCorrupted(let context):
            let param = path(context.codingPath)
            if param.isEmpty { return GatewayError(.invalidRequest, "We could not parse the JSON body of your request.") }
            return GatewayError(.invalidRequest, "Invalid value for '\(param)': \(context.debugDescription)", param: param)
        @unknown default:
            return GatewayError(.invalidRequest, "Invalid request body.")
        }
    }

    /// The OpenAI envelope of an SSE `error` event (or a `data: {"error": …}` line), as
    /// the gateway's relay writes it when a stream fails midway.
    struct OpenAIError: Decodable {
        struct Detail: Decodable {
            var message: String
            var code: String?
        }
        var error: Detail

        /// The gateway error it stands for, so dialects can give it their own status names.
        var gatewayError: GatewayError {
            let code = error.code.flatMap(GatewayError.Code.init(rawValue:)) ?? .upstreamError
            return GatewayError(code, error.message)
        }
    }

    static func openAIError(in event: SSEEvent) -> GatewayError? {
        guard event.event == "error" || event.data.hasPrefix(#"{"error""#) else { return nil }
        let parsed = try? WireJSON.decode(OpenAIError.self, from: event.data)
        return parsed?.gatewayError ?? GatewayError(.upstreamError, "The upstream stream failed.")
    }

    /// A stream that broke without an error event of its own.
    static func brokenStreamError(_ error: any Error) -> GatewayError {
        if let gateway = error as? GatewayError { return gateway }
        return GatewayError(.upstreamError, "The upstream stream failed.")
    }
}
