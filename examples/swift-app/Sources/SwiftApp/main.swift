import Foundation
import Shepherd
import ShepherdCore

// Two ways to call models from a Swift app:
//   swift run swift-app gateway   # through a running gateway (SHEPHERD_BASE_URL, SHEPHERD_API_KEY or .env)
//   swift run swift-app local     # the gateway's routing and migration in-process (default)

let mode = CommandLine.arguments.dropFirst().first ?? "local"

/// The migration walkthrough without a gateway: a rollout from the mock "legacy" provider to
/// a second mock, gated on the error rate, with a fallback model.
let yaml = """
    providers:
      legacy: { kind: mock, latency_ms: 5 }
      candidate: { kind: mock, latency_ms: 5 }
    models:
      chat:
        targets: [{ provider: legacy, model: gpt-4o }, { provider: candidate, model: gpt-4o-mini, weight: 0 }]
        retry: { attempts: 2 }
        rollout:
          from: legacy/gpt-4o
          to: candidate/gpt-4o-mini
          steps: [10, 50, 100]
          hold: { requests: 20, minutes: 1 }
          gates: { max_error_rate: 0.05 }
          on_gate_failure: rollback
    """

do {
    switch mode {
    case "gateway":
        let client = try ShepherdClient.fromEnvironment()
        let answer = try await client.complete(model: "chat", messages: [.user("Say hello in five words.")])
        print(answer.text ?? "")
        for try await chunk in client.stream(model: "chat", messages: [.user("Count to five.")]) {
            print(chunk.choices.first?.delta.content ?? "", terminator: "")
        }
        print()
    default:
        let router = try ShepherdRouter(yaml: yaml)
        var served: [String: Int] = [:]
        var spent = Decimal(0)
        for index in 0..<40 {
            let routed = try await router.route(ChatCompletionRequest(model: "chat", messages: [.user("Request \(index)")]))
            served[routed.target.description, default: 0] += 1
            spent += routed.costUSD ?? 0
        }
        let report = router.rollouts.report(model: "chat")
        print("served:", served.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print("rollout:", report?.phase ?? "none", "at", report?.share ?? 0, "% · spent $\(spent)")
    }
} catch let error as ShepherdError {
    switch error.kind {
    case .rateLimited(let retryAfter): print("rate limited; retry after \(retryAfter.map { "\($0)" } ?? "a moment")")
    case .authentication: print("set SHEPHERD_API_KEY (or put it in .env)")
    default: print("failed: \(error)")
    }
    exit(1)
}
