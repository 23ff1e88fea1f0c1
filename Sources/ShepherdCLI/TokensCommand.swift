import ArgumentParser
import Foundation
import ShepherdCore
import ShepherdTokenizer

struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Count or encode text exactly as OpenAI's tiktoken does.",
        discussion: """
            Examples:
              shepherd tokens count contract.txt --model gpt-4o
              shepherd tokens encode notes.md --encoding cl100k_base --format json
              cat big.txt | shepherd tokens count -
            """,
        subcommands: [Count.self, Encode.self])

    struct Selection: ParsableArguments {
        @Argument(help: "Files to read; - reads standard input.") var files: [String]
        @Option(help: "cl100k_base or o200k_base (default o200k_base).") var encoding: EncodingName?
        @Option(help: "A model name whose encoding to use (gpt-4o, gpt-4, …).") var model: String?
        @Flag(help: "Encode special tokens such as <|endoftext|> as specials, not as text.") var allowSpecial = false
        @Option(help: "table or json.") var format: OutputFormat = .table

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one FILE (or - for standard input)") }
            if encoding != nil, model != nil { throw ValidationError("give --encoding or --model, not both") }
        }

        func tokenizer() throws -> Tokenizer {
            var name = encoding ?? .o200k_base
            if let model {
                guard let mapped = Tokenizer.forModel(model) else {
                    throw CommandFailure("no known tokenizer for model '\(model)'; pass --encoding cl100k_base or o200k_base")
                }
                name = mapped
            }
            return try Tokenizer.load(name)
        }

        func read(_ file: String) throws -> String {
            String(decoding: try InputFile.data(file), as: UTF8.self)
        }
    }

    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the number of tokens in each file.")
        @OptionGroup var selection: Selection

        func run() async throws {
            try await reportingFailures {
                let tokenizer = try selection.tokenizer()
                var total = 0
                for file in selection.files {
                    let count = tokenizer.count(try selection.read(file), allowSpecial: selection.allowSpecial)
                    total += count
                    if selection.format == .json {
                        var writer = JSONWriter()
                        writer.beginObject()
                        writer.key("file"); writer.string(file)
                        writer.key("encoding"); writer.string(tokenizer.encoding.rawValue)
                        writer.key("tokens"); writer.int(count)
                        writer.endObject()
                        print(writer.string)
                    } else {
                        print("\(count)\t\(file)")
                    }
                }
                if selection.format != .json, selection.files.count > 1 { print("\(total)\ttotal") }
            }
        }
    }

    struct Encode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the token ids of each file.")
        @OptionGroup var selection: Selection

        func run() async throws {
            try await reportingFailures {
                let tokenizer = try selection.tokenizer()
                for file in selection.files {
                    let ids = tokenizer.encode(try selection.read(file), allowSpecial: selection.allowSpecial)
                    if selection.format == .json {
                        var writer = JSONWriter(reservingCapacity: ids.count * 6 + 64)
                        writer.beginObject()
                        writer.key("file"); writer.string(file)
                        writer.key("encoding"); writer.string(tokenizer.encoding.rawValue)
                        writer.key("tokens"); writer.int(ids.count)
                        writer.key("ids"); writer.beginArray(); ids.forEach { writer.int($0) }; writer.endArray()
                        writer.endObject()
                        print(writer.string)
                    } else {
                        print(ids.map(String.init).joined(separator: " "))
                    }
                }
            }
        }
    }
}

extension EncodingName: ExpressibleByArgument {}
