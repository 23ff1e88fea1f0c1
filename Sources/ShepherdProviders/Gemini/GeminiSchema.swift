import ShepherdCore

/// Gemini's `Schema` is a subset of OpenAPI 3.0, and it refuses the request (400 "Unknown
/// name") for any JSON Schema keyword outside it, such as the `additionalProperties: false`
/// every OpenAI strict schema carries. These functions convert between the two.
enum GeminiSchema {
    private static let keywords: Set<String> = [
        "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
        "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
        "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
    ]

    /// A JSON Schema reduced to what Gemini accepts; `["string", "null"]` types become
    /// `nullable`, since OpenAPI 3.0 has no type unions.
    static func fromJSONSchema(_ schema: JSONValue) -> JSONValue {
        guard case .object(let members) = schema else { return schema }
        var out: [String: JSONValue] = [:]
        for (key, value) in members where keywords.contains(key) {
            switch key {
            case "properties":
                if case .object(let properties) = value {
                    out[key] = .object(properties.mapValues(fromJSONSchema))
                }
            case "items":
                out[key] = fromJSONSchema(value)
            case "anyOf":
                if case .array(let options) = value { out[key] = .array(options.map(fromJSONSchema)) }
            case "type":
                if case .array(let types) = value {
                    let named = types.compactMap(\.stringValue)
                    if named.contains("null") { out["nullable"] = .bool(true) }
                    if let first = named.first(where: { $0 != "null" }) { out[key] = .string(first) }
                } else {
                    out[key] = value
                }
            default:
                out[key] = value
            }
        }
        return .object(out)
    }

    /// A Gemini schema as JSON Schema: its `type` names are upper case (`STRING`) when
    /// SDKs write them, JSON Schema's are lower case.
    static func toJSONSchema(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, value) in members {
                switch key {
                case "type":
                    out[key] = value.stringValue.map { .string($0.lowercased()) } ?? value
                case "properties":
                    if case .object(let properties) = value {
                        out[key] = .object(properties.mapValues(toJSONSchema))
                    } else {
                        out[key] = value
                    }
                case "items":
                    out[key] = toJSONSchema(value)
                case "anyOf":
                    if case .array(let options) = value { out[key] = .array(options.map(toJSONSchema)) } else { out[key] = value }
                case "propertyOrdering":
                    continue  // Gemini-only
                default:
                    out[key] = value
                }
            }
            return .object(out)
        default:
            return schema
        }
    }
}
