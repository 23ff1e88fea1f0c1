import Foundation
import NIOCore
import ShepherdCore
import Synchronization

/// A built-in simulator of an OpenAI-compatible upstream, for demos, tests and rehearsals.
/// Deterministic for a given seed: the n-th call always draws the same latency and the
/// same success or failure.
public final class MockProvider: ChatProvider {
    public let name: String
    private let settings: MockSettings
    private let calls = Atomic<UInt64>(0)

    public init(config: ProviderConfig) {
        self.name = config.name
        self.settings = config.mock
    }

    public func complete(_ call: UpstreamCall) async throws -> UpstreamReply {
        let callNumber = calls.add(1, ordering: .relaxed).newValue
        var random = SplitMix64(seed: settings.seed &+ callNumber &* 0x9E37_79B9_7F4A_7C15)
        if settings.hang {
            try await Task.sleep(until: call.deadline, clock: .continuous)
            throw UpstreamFailure(provider: name, model: call.target.model, kind: .timeout, message: "the mock provider hangs (hang: true)")
        }
        let delay = settings.latencyMs + (settings.jitterMs > 0 ? Int(random.next() % UInt64(settings.jitterMs + 1)) : 0)
        if delay > 0 {
            let wake = ContinuousClock.now.advanced(by: .milliseconds(delay))
            guard wake < call.deadline else {
                try await Task.sleep(until: call.deadline, clock: .continuous)
                throw UpstreamFailure(provider: name, model: call.target.model, kind: .timeout, message: "no answer before the attempt's deadline")
            }
            try await Task.sleep(until: wake, clock: .continuous)
        }
        if settings.failRate > 0, callNumber > UInt64(settings.failAfter), random.nextUnit() < settings.failRate {
            throw UpstreamFailure(
                provider: name, model: call.target.model, kind: .status(settings.failStatus),
                message: "simulated failure (fail_rate \(settings.failRate))",
                retryAfterSeconds: settings.retryAfterSeconds.map(Double.init))
        }
        let answer = MockAnswer(request: call.request.typed, fixedReply: settings.reply)
        let id = "chatcmpl-mock-\(call.requestID)"
        let created = Int(Date().timeIntervalSince1970)
        if call.request.isStream {
            return .stream(stream(answer, id: id, created: created, model: call.target.model, request: call.request.typed))
        }
        let body = try MockAnswer.encoder.encode(answer.completion(id: id, created: created, model: call.target.model))
        return .complete(body: ByteBuffer(bytes: body), usage: answer.usage)
    }

    private func stream(_ answer: MockAnswer, id: String, created: Int, model: String, request: ChatCompletionRequest) -> SSEByteStream {
        let pace = settings.streamChunkMs
        // Like an OpenAI upstream the gateway asked for `include_usage`: the gateway reads
        // the usage chunk and hides it from clients that did not ask.
        let includeUsage = true
        return SSEByteStream { continuation in
            let task = Task(executorPreference: PreferredExecutor.current) {
                do {
                    for (index, chunk) in answer.chunks(id: id, created: created, model: model, includeUsage: includeUsage).enumerated() {
                        if pace > 0, index > 0 { try await Task.sleep(for: .milliseconds(pace)) }
                        var event = ByteBuffer(string: "data: ")
                        event.writeBytes(try MockAnswer.encoder.encode(chunk))
                        event.writeString("\n\n")
                        continuation.yield(event)
                    }
                    continuation.yield(ByteBuffer(string: "data: [DONE]\n\n"))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea, Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
