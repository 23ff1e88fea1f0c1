import Foundation

/// Reads a `.env` file: `NAME=value` lines, `#` comments, optional `export ` and quotes.
public enum DotEnv {
    public static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if !name.isEmpty { values[name] = value }
        }
        return values
    }

    /// The process environment with the `.env` beside `configPath` underneath it: a
    /// variable already set in the environment wins, as with docker-compose and dotenv.
    public static func environment(besideConfig configPath: String, process: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        let folder = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        let file = folder.appendingPathComponent(".env")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return process }
        return parse(text).merging(process) { _, fromProcess in fromProcess }
    }
}
