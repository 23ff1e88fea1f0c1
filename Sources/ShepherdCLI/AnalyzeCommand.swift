import ArgumentParser
import Foundation
import Shepherd
import ShepherdCore
import ShepherdTokenizer

/// `shepherd analyze`: a task over a document larger than any context window, as map-reduce
/// calls through a gateway, estimated first and checkpointed call by call.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Run a task over a document of any size: map-reduce through the gateway.",
        discussion: """
            The document is cut into chunks that fit the model's window; each
            chunk gets a map call (what in it bears on the task?), and the notes
            are merged by reduce calls, level after level while they do not fit
            one call, into one answer.

            Before any call the run is estimated: chunks, calls, tokens and cost
            (prices from the config's pricing: and targets with --config, else
            from the shipped catalog; a model it cannot price is said to be
            unpriced). --dry-run stops there.

            Each answered call is appended to a checkpoint file under
            --checkpoint-dir (named after the document and a hash of document,
            task, model and chunking) and flushed to disk, so after a crash or
            a failure --resume pays for no call twice. Rate limits, 5xx and
            timeouts are retried with backoff, honouring Retry-After.

            Examples:
              shepherd analyze filing.txt --task "List related-party deals" \\
                --dry-run
              shepherd analyze filing.txt --task "List related-party deals" \\
                --model chat --gateway http://127.0.0.1:8080 --concurrency 8
              shepherd analyze filing.txt --task "…" --resume --format json
              shepherd analyze code.txt --task "Where is auth checked?" \\
                --config shepherd.yaml
              SHEPHERD_API_KEY=$OPENAI_API_KEY shepherd analyze notes.txt \\
                --task "…" --gateway https://api.openai.com/v1 --model gpt-4o-mini
            """)

    @Argument(help: "The document (UTF-8 text); - reads standard input.") var file: String
    @Option(help: "What to find out from the document.") var task: String
    @Option(help: "The public model to call (default: the config's first model, else chat).") var model: String?
    @Option(help: "The gateway's base URL (default: the config's server, else http://127.0.0.1:8080).") var gateway: String?
    @Option(help: "The API key (default: SHEPHERD_API_KEY); none for a gateway with auth: none.") var apiKey: String?
    @Option(help: "The configuration, for the model's targets, prices, windows and the gateway address.") var config: String?
    @Option(help: "Calls in flight at once.") var concurrency: Int = 4
    @Flag(help: "Reuse the answered calls of an earlier run of the same analysis.") var resume = false
    @Flag(help: "Estimate chunks, calls, tokens and cost, then stop without calling anything.") var dryRun = false
    @Option(help: "The most document tokens one map call reads.") var chunkTokens: Int = 8_000
    @Option(help: "Tokens consecutive chunks share.") var overlap: Int = 0
    @Option(help: "max_tokens of every call.") var maxOutputTokens: Int = 1_024
    @Option(help: "The model's input window in tokens (default: from the config or the catalog).") var window: Int?
    @Option(help: "Tries per call, the first included.") var attempts: Int = 5
    @Option(help: "Where checkpoints are kept.") var checkpointDir: String = ".shepherd/analyze"
    @Option(help: "table or json.") var format: OutputFormat = .table

    func validate() throws {
        if format == .csv { throw ValidationError("--format must be table or json") }
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1 (got \(concurrency))") }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1 (got \(attempts))") }
        if task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--task is empty") }
    }

    func run() async throws {
        try await reportingFailures {
            let document = try readDocument()
            let setup = try AnalyzeSetup(
                config: config, model: model, gateway: gateway, window: window)
            let tokenizer = try Tokenizer.load(setup.encoding)
            let settings = MapReduceSettings(
                model: setup.model, task: task, contextWindow: setup.window, chunkTokens: chunkTokens, overlap: overlap,
                maxOutputTokens: maxOutputTokens, concurrency: concurrency)
            let plan: MapReducePlan
            do {
                plan = try MapReducePlan(document: document, settings: settings, tokenizer: tokenizer)
            } catch let error as MapReducePlanError {
                throw CommandFailure(error.description)
            } catch let error as ChunkingError {
                throw CommandFailure(error.description)
            }
            let checkpointURL = checkpointURL(key: plan.key)
            let report = AnalyzeReport(plan: plan, setup: setup, checkpoint: checkpointURL, format: format)
            if dryRun {
                report.printEstimate(saved: CheckpointLog.savedResults(at: checkpointURL, key: plan.key))
                return
            }
            let checkpoint: CheckpointLog
            do {
                checkpoint = try CheckpointLog(
                    url: checkpointURL, key: plan.key, model: setup.model, chunks: plan.chunks.count, resume: resume)
            } catch let error as CheckpointError {
                throw CommandFailure(error.description)
            }
            if format == .table { report.printPreamble(saved: await checkpoint.count, ignored: checkpoint.ignoredLines) }
            let client = try ShepherdClient(baseURL: setup.apiRoot, apiKey: apiKey ?? Self.environmentKey())
            let runner = MapReduceRunner(
                plan: plan, client: client, checkpoint: checkpoint, retrier: CallRetrier(attempts: attempts))
            let bar = AnalyzeProgressBar(enabled: format == .table && isatty(STDERR_FILENO) == 1)
            let outcome: MapReduceOutcome
            do {
                outcome = try await runner.run { bar.update($0) }
            } catch {
                bar.finish()
                let saved = await checkpoint.count
                await checkpoint.close()
                throw CommandFailure(
                    "\(Self.describe(error)); \(saved) answered calls are saved in \(checkpointURL.path): "
                        + "rerun with --resume to continue without paying for them again")
            }
            bar.finish()
            await checkpoint.close()
            report.printOutcome(outcome)
        }
    }

    private static func environmentKey() -> String? {
        ProcessInfo.processInfo.environment["SHEPHERD_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let client as ShepherdError: client.description
        case let gateway as GatewayError: gateway.message
        default: "\(error)"
        }
    }

    /// `DIR/<document name>-<key prefix>.jsonl`: one file per analysis, found again by a rerun.
    private func checkpointURL(key: String) -> URL {
        let name = file == "-" ? "stdin" : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return URL(fileURLWithPath: checkpointDir).appendingPathComponent("\(name)-\(key.prefix(16)).jsonl")
    }

    /// The document as text; invalid UTF-8 is refused rather than silently repaired.
    private func readDocument() throws -> String {
        let text = try InputFile.text(file)
        guard !text.isEmpty else { throw CommandFailure("'\(file)' is empty; there is nothing to analyze") }
        return text
    }
}
