import Foundation
import NIOCore
import ShepherdCore

/// The JSON coders used for translated bodies. Keys are sorted so that the bytes are stable
/// (tests compare them, caches can key on them); slashes stay unescaped as the providers
/// write them.
enum WireJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    /// `data: <json>\n\n`, one SSE event.
    static func event(_ value: some Encodable, name: String? = nil, lineEnd: String = "\n") throws -> ByteBuffer {
        var buffer = ByteBuffer()
        if let name { buffer.writeString("event: \(name)\(lineEnd)") }
        buffer.writeString("data: ")
        buffer.writeBytes(try encoder.encode(value))
        buffer.writeString(lineEnd + lineEnd)
        return buffer
    }

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// Tool arguments as an object. OpenAI carries them as JSON text, the native APIs as
    /// objects; text that is not an object is kept under `arguments` rather than dropped.
    static func argumentsObject(_ text: String) -> JSONValue {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .object([:]) }
        if let value = try? decode(JSONValue.self, from: trimmed), case .object = value { return value }
        return .object(["arguments": .string(text)])
    }

    /// An object as the JSON text OpenAI's `function.arguments` carries.
    static func argumentsText(_ value: JSONValue?) -> String {
        guard let value, let bytes = try? encode(value) else { return "{}" }
        return String(decoding: bytes, as: UTF8.self)
    }
}
