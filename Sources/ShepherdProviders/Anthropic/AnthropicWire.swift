import ShepherdCore

/// Anthropic Messages API bodies (https://docs.anthropic.com/en/api/messages), the members
/// the gateway translates. Used both ways: to call Anthropic and to serve its dialect.
public enum AnthropicWire {
    public struct Request: Codable, Sendable {
        public var model: String
        public var messages: [Message]
        public var maxTokens: Int?
        public var system: SystemPrompt?
        public var stopSequences: [String]?
        public var temperature: Double?
        public var topP: Double?
        public var topK: Int?
        public var stream: Bool?
        public var tools: [Tool]?
        public var toolChoice: ToolChoice?
        public var metadata: Metadata?

        enum CodingKeys: String, CodingKey {
            case model, messages, system, temperature, stream, tools, metadata
            case maxTokens = "max_tokens"
            case stopSequences = "stop_sequences"
            case topP = "top_p"
            case topK = "top_k"
            case toolChoice = "tool_choice"
        }
    }

    public struct Metadata: Codable, Sendable {
        public var userID: String?
        enum CodingKeys: String, CodingKey { case userID = "user_id" }
    }

    /// `system` is a string or an array of text blocks.
    public enum SystemPrompt: Codable, Sendable {
        case text(String)
        case blocks([Block])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .blocks(try container.decode([Block].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .blocks(let blocks): try container.encode(blocks)
            }
        }

        var text: String {
            switch self {
            case .text(let text): text
            case .blocks(let blocks): blocks.compactMap(\.text).joined(separator: "\n\n")
            }
        }
    }

    public struct Message: Codable, Sendable {
        public var role: String
        public var content: Content
    }

    /// A message's `content`: a string or an array of blocks.
    public enum Content: Codable, Sendable {
        case text(String)
        case blocks([Block])

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .blocks(try container.decode([Block].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .blocks(let blocks): try container.encode(blocks)
            }
        }

        var blocks: [Block] {
            switch self {
            case .text(let text): [Block(type: "text", text: text)]
            case .blocks(let blocks): blocks
            }
        }
    }

    /// One content block. Kinds are told apart by `type`: text, image, document, tool_use,
    /// tool_result, thinking (and others the gateway passes over).
    public struct Block: Codable, Sendable {
        public var type: String
        public var text: String?
        public var source: Source?
        public var id: String?
        public var name: String?
        public var input: JSONValue?
        public var toolUseID: String?
        /// A tool result's content: a string or blocks.
        public var content: Content?
        public var isError: Bool?
        public var title: String?

        public init(type: String, text: String? = nil, source: Source? = nil, id: String? = nil, name: String? = nil, input: JSONValue? = nil) {
            self.type = type
            self.text = text
            self.source = source
            self.id = id
            self.name = name
            self.input = input
        }

        enum CodingKeys: String, CodingKey {
            case type, text, source, id, name, input, content, title
            case toolUseID = "tool_use_id"
            case isError = "is_error"
        }
    }

    /// Where an image's or a document's bytes are: `base64`, `url` or `text`.
    public struct Source: Codable, Sendable {
        public var type: String
        public var mediaType: String?
        public var data: String?
        public var url: String?

        public init(type: String, mediaType: String? = nil, data: String? = nil, url: String? = nil) {
            self.type = type
            self.mediaType = mediaType
            self.data = data
            self.url = url
        }

        enum CodingKeys: String, CodingKey {
            case type, data, url
            case mediaType = "media_type"
        }
    }

    public struct Tool: Codable, Sendable {
        public var name: String
        public var description: String?
        public var inputSchema: JSONValue?

        enum CodingKeys: String, CodingKey {
            case name, description
            case inputSchema = "input_schema"
        }
    }

    public struct ToolChoice: Codable, Sendable {
        /// auto, any, tool, none.
        public var type: String
        public var name: String?
        public var disableParallelToolUse: Bool?

        enum CodingKeys: String, CodingKey {
            case type, name
            case disableParallelToolUse = "disable_parallel_tool_use"
        }
    }

    public struct Response: Codable, Sendable {
        public var id: String
        public var type: String = "message"
        public var role: String = "assistant"
        public var model: String
        public var content: [Block]
        public var stopReason: String?
        public var stopSequence: String?
        public var usage: Usage

        enum CodingKeys: String, CodingKey {
            case id, type, role, model, content, usage
            case stopReason = "stop_reason"
            case stopSequence = "stop_sequence"
        }
    }

    public struct Usage: Codable, Sendable, Equatable {
        public var inputTokens: Int?
        public var outputTokens: Int?
        public var cacheReadInputTokens: Int?
        public var cacheCreationInputTokens: Int?

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case cacheReadInputTokens = "cache_read_input_tokens"
            case cacheCreationInputTokens = "cache_creation_input_tokens"
        }
    }

    /// `{"type": "error", "error": {"type", "message"}}`.
    public struct ErrorBody: Codable, Sendable {
        public struct Detail: Codable, Sendable {
            public var type: String
            public var message: String
        }
        public var type: String = "error"
        public var error: Detail
    }
}
