public struct ChatMessage: Codable, Sendable {
    public enum Role: String, Codable, Sendable {
        case system, developer, user, assistant, tool, function
    }

    public var role: Role
    public var content: MessageContent?
    public var name: String?
    public var toolCalls: [ToolCall]?
    public var toolCallID: String?

    public init(role: Role, content: MessageContent?, name: String? = nil, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func user(_ text: String) -> ChatMessage { .init(role: .user, content: .text(text)) }
    public static func system(_ text: String) -> ChatMessage { .init(role: .system, content: .text(text)) }
    public static func assistant(_ text: String) -> ChatMessage { .init(role: .assistant, content: .text(text)) }

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(Role.self, forKey: .role)
        content = try container.decodeIfPresent(MessageContent.self, forKey: .content)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls)
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
        if content == nil, toolCalls == nil, role != .assistant {
            throw DecodingError.keyNotFound(
                CodingKeys.content,
                .init(codingPath: container.codingPath, debugDescription: "a \(role.rawValue) message needs 'content'"))
        }
        if role == .tool, toolCallID == nil {
            throw DecodingError.keyNotFound(
                CodingKeys.toolCallID,
                .init(codingPath: container.codingPath, debugDescription: "a tool message needs 'tool_call_id'"))
        }
    }

    /// The message's text, parts joined; non-text parts contribute nothing.
    public var text: String {
        switch content {
        case .text(let text): text
        case .parts(let parts): parts.compactMap(\.text).joined(separator: "\n")
        case nil: ""
        }
    }
}

/// `content` is a plain string or an array of typed parts.
public enum MessageContent: Codable, Sendable {
    case text(String)
    case parts([ContentPart])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .parts(try container.decode([ContentPart].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .parts(let parts): try container.encode(parts)
        }
    }
}

public struct ToolCall: Codable, Sendable {
    public var id: String
    public var type: String
    public var function: FunctionCall

    public init(id: String, function: FunctionCall) {
        self.id = id
        self.type = "function"
        self.function = function
    }
}

public struct FunctionCall: Codable, Sendable {
    public var name: String
    /// JSON text, as OpenAI sends it.
    public var arguments: String
    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}
