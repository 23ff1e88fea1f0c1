import Foundation
import Yams

/// A position in the YAML document: a node, the key path that leads to it and the file it
/// is in, so every error can say where it is.
struct YAMLCursor {
    let node: Node
    let path: String
    let file: String
    let environment: [String: String]
    /// When set, an unset `env:` reference reads as empty instead of failing: for commands
    /// that only need storage (`shepherd keys`), not upstream credentials.
    var environmentIsOptional = false

    var line: Int? { node.mark?.line }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, keyPath: path, message: message)
    }

    func child(_ key: String, _ node: Node) -> YAMLCursor {
        YAMLCursor(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file, environment: environment, environmentIsOptional: environmentIsOptional)
    }

    /// The members of a mapping, in order; keys outside `allowed` are refused by name.
    func mapping(allowed: [String]? = nil) throws(ConfigError) -> [(key: String, value: YAMLCursor)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value pairs)") }
        var seen = Set<String>()
        var members: [(key: String, value: YAMLCursor)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error("keys must be strings") }
            let member = child(key, valueNode)
            if let allowed, !allowed.contains(key) {
                throw ConfigError(
                    file: file, line: keyNode.mark?.line ?? line, keyPath: member.path,
                    message: "unknown key '\(key)'; valid keys here: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else {
                throw ConfigError(file: file, line: keyNode.mark?.line, keyPath: member.path, message: "duplicate key '\(key)'")
            }
            members.append((key, member))
        }
        return members
    }

    func sequence() throws(ConfigError) -> [YAMLCursor] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, item in
            YAMLCursor(node: item, path: "\(path)[\(index)]", file: file, environment: environment, environmentIsOptional: environmentIsOptional)
        }
    }

    private var scalar: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    var isNull: Bool { node.null != nil }

    /// A string; `env:NAME` is replaced by that environment variable, which must be set.
    func string() throws(ConfigError) -> String {
        guard let raw = scalar else { throw error("expected a string") }
        if raw.hasPrefix("env:") {
            let name = String(raw.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else {
                if environmentIsOptional { return "" }
                throw error("environment variable \(name) is not set (referenced as '\(raw)'; set it or put it in a .env file beside the config)")
            }
            return value
        }
        return raw
    }

    func secret() throws(ConfigError) -> Secret { Secret(try string()) }

    func int(in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        guard let value = node.int, scalar?.contains(".") == false else { throw error("expected a whole number, got '\(scalar ?? "a collection")'") }
        if let range, !range.contains(value) {
            throw error("\(value) is out of range; expected \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    func double(in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        guard let value = node.float ?? node.int.map(Double.init) else { throw error("expected a number, got '\(scalar ?? "a collection")'") }
        if let range, !range.contains(value) {
            throw error("\(scalar ?? String(value)) is out of range; expected \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// An exact decimal, read from the YAML text rather than through `Double`.
    func decimal() throws(ConfigError) -> Decimal {
        guard let raw = scalar, let value = Decimal(string: raw, locale: Locale(identifier: "en_US_POSIX")), value >= 0,
            raw.allSatisfy({ $0.isNumber || $0 == "." })
        else { throw error("expected a non-negative number, got '\(scalar ?? "a collection")'") }
        return value
    }

    func bool() throws(ConfigError) -> Bool {
        guard let value = node.bool else { throw error("expected true or false, got '\(scalar ?? "a collection")'") }
        return value
    }

    func oneOf<E: RawRepresentable & CaseIterable>(_ type: E.Type) throws(ConfigError) -> E where E.RawValue == String {
        let raw = try string()
        guard let value = E(rawValue: raw) else {
            throw error("unknown value '\(raw)'; valid: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// `provider/model`.
    func targetRef() throws(ConfigError) -> TargetRef {
        let raw = try string()
        guard let slash = raw.firstIndex(of: "/"), slash != raw.startIndex, raw.index(after: slash) != raw.endIndex else {
            throw error("expected 'provider/model', got '\(raw)'")
        }
        return TargetRef(provider: String(raw[..<slash]), model: String(raw[raw.index(after: slash)...]))
    }
}
