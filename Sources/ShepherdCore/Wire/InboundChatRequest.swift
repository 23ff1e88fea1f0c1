import Foundation

/// A client's Chat Completions request: its exact bytes, where its top-level members sit,
/// and the typed, validated view. Parsing it is the gateway's only decode of the body.
public struct InboundChatRequest: Sendable {
    public let body: [UInt8]
    public let layout: TopLevelJSON
    public let typed: ChatCompletionRequest

    public var model: String { typed.model }
    public var isStream: Bool { typed.stream ?? false }

    /// Parses and validates; every failure is a 400 `invalid_request` naming the field.
    public init(body: [UInt8]) throws(GatewayError) {
        self.body = body
        do {
            layout = try TopLevelJSON(bytes: body)
        } catch {
            throw GatewayError(.invalidRequest, "We could not parse the JSON body of your request: \(error.description).")
        }
        do {
            // The byte reader takes the documents it fully understands; JSONDecoder the rest,
            // and words every error.
            typed = try ChatRequestReader.read(body, layout: layout) ?? Self.decoder.decode(ChatCompletionRequest.self, from: Data(body))
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw GatewayError(.invalidRequest, "Invalid request body: \(error)")
        }
        if typed.messages.isEmpty {
            throw GatewayError(.invalidRequest, "'messages' must contain at least one message.", param: "messages")
        }
        if let n = typed.n, n < 1 {
            throw GatewayError(.invalidRequest, "'n' must be at least 1.", param: "n")
        }
    }

    /// The body to send upstream: the client's bytes with `model` set to the target's and,
    /// for a stream whose client did not ask for usage, `stream_options.include_usage` set
    /// so that the ledger learns what the stream cost (the gateway hides that extra chunk).
    public func body(forUpstreamModel upstreamModel: String) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: upstreamModel.utf8.count + 2)
        writer.string(upstreamModel)
        let withModel = layout.replacing("model", with: writer.bytes, in: body)
        guard isStream, typed.streamOptions?.includeUsage != true,
            let relaid = try? TopLevelJSON(bytes: withModel)
        else { return withModel }
        return relaid.replacing("stream_options", with: Array(#"{"include_usage":true}"#.utf8), in: withModel)
    }

    /// Whether the client itself asked for the final usage chunk of a stream.
    public var clientWantsStreamUsage: Bool { typed.streamOptions?.includeUsage ?? false }

    private static let decoder = JSONDecoder()

    static func describe(_ error: DecodingError) -> GatewayError {
        func path(_ codingPath: [any CodingKey]) -> String? {
            var out = ""
            for key in codingPath {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out.isEmpty ? nil : out
        }
        switch error {
        case .keyNotFound(let key, let context):
            let param = path(context.codingPath + [key])
            let detail = context.debugDescription.hasPrefix("No value associated") ? "is required" : context.debugDescription
            return GatewayError(.invalidRequest, "Missing required parameter '\(param ?? key.stringValue)': \(detail).", param: param)
        case .typeMismatch(let type, let context):
            let param = path(context.codingPath)
            return GatewayError(.invalidRequest, "Invalid type for '\(param ?? "body")': expected \(describe(type)).", param: param)
        case .valueNotFound(let type, let context):
            let param = path(context.codingPath)
            return GatewayError(.invalidRequest, "Invalid value for '\(param ?? "body")': expected \(describe(type)), got null.", param: param)
        case .dataCorrupted(let context):
            let param = path(context.codingPath)
            return GatewayError(.invalidRequest, "Invalid value for '\(param ?? "body")': \(context.debugDescription)", param: param)
        @unknown default:
            return GatewayError(.invalidRequest, "Invalid request body.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
