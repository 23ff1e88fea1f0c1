import ShepherdCore

/// Google AI `generateContent` request and response bodies (https://ai.google.dev/api/generate-content),
/// the members the gateway translates. Used both ways: to call Gemini and to serve the
/// Gemini dialect.
public enum GeminiWire {
    public struct Request: Codable, Sendable {
        public var contents: [Content]
        public var systemInstruction: Content?
        public var tools: [Tool]?
        public var toolConfig: ToolConfig?
        public var generationConfig: GenerationConfig?
        public var safetySettings: JSONValue?
        public var cachedContent: String?
    }

    public struct Content: Codable, Sendable {
        public var role: String?
        public var parts: [Part]

        public init(role: String?, parts: [Part]) {
            self.role = role
            self.parts = parts
        }

        // A candidate stopped by a safety filter comes back as `{"role": "model"}` alone.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decodeIfPresent(String.self, forKey: .role)
            parts = try container.decodeIfPresent([Part].self, forKey: .parts) ?? []
        }
    }

    public struct Part: Codable, Sendable {
        public var text: String?
        public var inlineData: Blob?
        public var fileData: FileData?
        public var functionCall: FunctionCall?
        public var functionResponse: FunctionResponse?
        /// A part of the model's reasoning summary, not of its answer.
        public var thought: Bool?
        /// Opaque proof of the model's reasoning that Gemini 3 wants back with its calls.
        public var thoughtSignature: String?

        public init(
            text: String? = nil, inlineData: Blob? = nil, fileData: FileData? = nil,
            functionCall: FunctionCall? = nil, functionResponse: FunctionResponse? = nil, thoughtSignature: String? = nil
        ) {
            self.text = text
            self.inlineData = inlineData
            self.fileData = fileData
            self.functionCall = functionCall
            self.functionResponse = functionResponse
            self.thoughtSignature = thoughtSignature
        }
    }

    public struct Blob: Codable, Sendable {
        public var mimeType: String
        /// Base64.
        public var data: String
    }

    public struct FileData: Codable, Sendable {
        public var mimeType: String?
        public var fileUri: String
    }

    public struct FunctionCall: Codable, Sendable {
        public var id: String?
        public var name: String
        public var args: JSONValue?
    }

    public struct FunctionResponse: Codable, Sendable {
        public var id: String?
        public var name: String
        public var response: JSONValue
    }

    public struct Tool: Codable, Sendable {
        public var functionDeclarations: [FunctionDeclaration]?
    }

    public struct FunctionDeclaration: Codable, Sendable {
        public var name: String
        public var description: String?
        /// An OpenAPI-subset schema (see ``GeminiSchema``).
        public var parameters: JSONValue?
        /// Full JSON Schema, the newer alternative to `parameters`.
        public var parametersJsonSchema: JSONValue?
    }

    public struct ToolConfig: Codable, Sendable {
        public var functionCallingConfig: FunctionCallingConfig?
    }

    public struct FunctionCallingConfig: Codable, Sendable {
        /// AUTO, ANY, NONE (or VALIDATED).
        public var mode: String?
        public var allowedFunctionNames: [String]?
    }

    public struct GenerationConfig: Codable, Sendable {
        public var temperature: Double?
        public var topP: Double?
        public var maxOutputTokens: Int?
        public var stopSequences: [String]?
        public var candidateCount: Int?
        public var responseMimeType: String?
        public var responseSchema: JSONValue?
        public var responseJsonSchema: JSONValue?

        var isEmpty: Bool {
            temperature == nil && topP == nil && maxOutputTokens == nil && stopSequences == nil
                && candidateCount == nil && responseMimeType == nil && responseSchema == nil && responseJsonSchema == nil
        }
    }

    public struct Response: Codable, Sendable {
        public var candidates: [Candidate]?
        public var promptFeedback: PromptFeedback?
        public var usageMetadata: UsageMetadata?
        public var modelVersion: String?
        public var responseId: String?
    }

    public struct Candidate: Codable, Sendable {
        public var content: Content?
        public var finishReason: String?
        public var index: Int?
    }

    public struct PromptFeedback: Codable, Sendable {
        public var blockReason: String?
    }

    public struct UsageMetadata: Codable, Sendable, Equatable {
        public var promptTokenCount: Int?
        public var candidatesTokenCount: Int?
        public var totalTokenCount: Int?
        public var cachedContentTokenCount: Int?
        public var thoughtsTokenCount: Int?
    }

    /// `{"error": {"code", "message", "status"}}`, Google's error body.
    public struct ErrorBody: Codable, Sendable {
        public struct Detail: Codable, Sendable {
            public var code: Int?
            public var message: String?
            public var status: String?
        }
        public var error: Detail
    }
}
