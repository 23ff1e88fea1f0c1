import Foundation
import Shepherd
import ShepherdCore
import ShepherdTokenizer
import Synchronization

/// A document of `paragraphs` numbered paragraphs, a few sentences each.
func sampleDocument(paragraphs: Int) -> String {
    (0..<paragraphs).map { index in
        "Paragraph \(index). The filing lists item \(index) at \(index * 37) dollars, owed to party \(index % 7). "
            + "Its auditors noted nothing unusual about item \(index), though the board discussed it at length. "
            + "See also schedule \(index % 5) for the terms agreed in year \(2000 + index % 25)."
    }.joined(separator: "\n\n")
}

let testTokenizer: Tokenizer = try! Tokenizer.load(.o200k_base)

func temporaryFile(_ name: String = "checkpoint.jsonl") -> URL {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("shepherd-mapreduce-\(UUID().uuidString)")
        .appendingPathComponent(name)
}

/// An error the runner must not retry, standing in for a process that dies mid-run.
struct SimulatedCrash: Error, RetryAdvising {
    var retryAdvice: RetryAdvice { .fail }
}

/// A model that counts every call and every paid answer, keyed by the request's user text (a
/// chunk for a map call), and can fail: a rate limit on each request's first attempt, or a
/// crash once `crashAfter` answers have been paid.
final class CountingModel: ChatCompleting {
    struct State {
        var attempts: [String: Int] = [:]
        var paid: [String: Int] = [:]
        var paidCalls = 0
        var crashAfter: Int?
        var rateLimitFirstAttempt = false
    }

    let state: Mutex<State>
    /// What a map call answers; reduce calls answer a short merge note.
    let mapAnswer: @Sendable (String) -> String

    init(crashAfter: Int? = nil, rateLimitFirstAttempt: Bool = false, mapAnswer: @escaping @Sendable (String) -> String = { "notes: \($0.prefix(40))" }) {
        state = Mutex(State(crashAfter: crashAfter, rateLimitFirstAttempt: rateLimitFirstAttempt))
        self.mapAnswer = mapAnswer
    }

    enum Decision { case answer, rateLimit, crash }

    func complete(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        let user = request.messages.last?.text ?? ""
        let system = request.messages.first?.text ?? ""
        let decision = state.withLock { state -> Decision in
            state.attempts[user, default: 0] += 1
            if state.rateLimitFirstAttempt, state.attempts[user] == 1 { return .rateLimit }
            if let limit = state.crashAfter, state.paidCalls >= limit { return .crash }
            state.paidCalls += 1
            state.paid[user, default: 0] += 1
            return .answer
        }
        switch decision {
        case .rateLimit: throw GatewayError(.rateLimitExceeded, "slow down", retryAfterSeconds: 0)
        case .crash: throw SimulatedCrash()
        case .answer: break
        }
        try await Task.sleep(for: .milliseconds(2))
        let text: String
        if system.contains("You are reading part") {
            text = mapAnswer(user)
        } else if system.contains("Write the final answer") {
            text = "FINAL from \(user.components(separatedBy: MapReduceTestSupport.separator).count) notes"
        } else {
            text = "merged \(user.components(separatedBy: MapReduceTestSupport.separator).count) notes"
        }
        return ChatCompletion(
            id: "fake", created: 0, model: request.model,
            choices: [.init(index: 0, message: ResponseMessage(content: text), finishReason: "stop")],
            usage: Usage(promptTokens: testTokenizer.count(system + user), completionTokens: testTokenizer.count(text)))
    }

    var paid: [String: Int] { state.withLock { $0.paid } }
    var paidCalls: Int { state.withLock { $0.paidCalls } }
    var attempts: Int { state.withLock { $0.attempts.values.reduce(0, +) } }

    func stopCrashing() { state.withLock { $0.crashAfter = nil } }
}

enum MapReduceTestSupport {
    static let separator = "\n\n---\n\n"
}

/// A retrier that does not wait, so tests of retries take no time.
let instantRetrier = CallRetrier(attempts: 4, baseMs: 1, maxMs: 1, sleep: { _ in })
