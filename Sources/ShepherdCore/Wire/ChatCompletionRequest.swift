/// An OpenAI Chat Completions request, typed. The gateway decodes it to validate and to
/// translate; for OpenAI-compatible upstreams it forwards the client's own bytes instead,
/// so members this type does not list are never lost.
public struct ChatCompletionRequest: Codable, Sendable {
    public var model: String
    public var messages: [ChatMessage]
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var user: String?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var n: Int?
    public var stop: StopSequences?
    public var tools: [Tool]?
    public var toolChoice: JSONValue?
    public var responseFormat: JSONValue?

    public init(model: String, messages: [ChatMessage], stream: Bool? = nil, user: String? = nil) {
        self.model = model
        self.messages = messages
        self.stream = stream
        self.user = user
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, user, temperature, n, stop, tools
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topP = "top_p"
        case toolChoice = "tool_choice"
        case responseFormat = "response_format"
    }
}

public struct StreamOptions: Codable, Sendable {
    public var includeUsage: Bool?
    public init(includeUsage: Bool?) { self.includeUsage = includeUsage }
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// `stop` is a string or an array of strings.
public struct StopSequences: Codable, Sendable {
    public var values: [String]
    public init(_ values: [String]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}

public struct Tool: Codable, Sendable {
    public var type: String
    public var function: FunctionDefinition

    public init(function: FunctionDefinition) {
        self.type = "function"
        self.function = function
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        guard type == "function" else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unsupported tool type '\(type)' (expected 'function')")
        }
        function = try container.decode(FunctionDefinition.self, forKey: .function)
    }
}

public struct FunctionDefinition: Codable, Sendable {
    public var name: String
    public var description: String?
    public var parameters: JSONValue?
    public var strict: Bool?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}
