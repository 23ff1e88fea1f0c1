import Foundation

/// A command's input file, `-` meaning standard input.
enum InputFile {
    static func data(_ file: String) throws -> Data {
        if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let contents = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("cannot read '\(file)'")
        }
        return contents
    }

    /// The file as text; invalid UTF-8 is refused rather than silently repaired.
    static func text(_ file: String) throws -> String {
        guard let text = String(validating: try data(file), as: UTF8.self) else {
            throw CommandFailure("'\(file)' is not valid UTF-8")
        }
        return text
    }
}
