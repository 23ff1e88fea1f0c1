import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import ShepherdCore
import ShepherdLedger
import Testing

@testable import ShepherdServer

private let postgresURL = ProcessInfo.processInfo.environment["SHEPHERD_TEST_POSTGRES_URL"]

/// A gateway on PostgreSQL storage keeps its rollout in the database: restarted, it resumes
/// at the step it was at.
@Suite(
    "Rollout state on PostgreSQL",
    .enabled(if: postgresURL != nil, "SHEPHERD_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)"))
struct PostgresRolloutTests {
    static func gateway(model: String, clock: MigrationTests.WallClock, storage: String? = nil) throws -> GatewayApplication {
        let url = try storage ?? #require(postgresURL)
        // The database outlives test runs: a model name of its own keeps earlier runs' state out.
        let yaml = """
            server: { auth: none }
            storage: \(url)
            providers:
              legacy: { kind: mock }
              candidate: { kind: mock }
            models:
              \(model):
                targets: [{ provider: legacy, model: gpt-4o }, { provider: candidate, model: flash, weight: 0 }]
                rollout:
                  from: legacy/gpt-4o
                  to: candidate/flash
                  steps: [20, 50, 100]
                  hold: { requests: 20, minutes: 1 }
                  gates: { max_error_rate: 0.05 }
            """
        let config = try ConfigLoader.parse(yaml, file: "rollout.yaml", environment: [:])
        return try GatewayApplication(config: config, wallClock: { clock.now }, rolloutInterval: .seconds(3600))
    }

    @Test("a gateway restarted on PostgreSQL resumes its rollout at the step it was at")
    func restartResumes() async throws {
        try await Self.checkRestartResumes(storage: nil)
    }

    /// Runs a rollout to its second step, restarts the gateway on the same storage, and checks
    /// that it resumes there (and that the loop's first save did not replace the saved state).
    static func checkRestartResumes(storage: String?) async throws {
        let model = "chat-\(UUID().uuidString)"
        let clock = MigrationTests.WallClock()
        let first = try Self.gateway(model: model, clock: clock, storage: storage)
        try await first.makeApplication(port: 0, host: "127.0.0.1").test(.live) { client in
            #expect(first.rollouts.report(model: model)?.share == 20)
            for index in 0..<25 {
                let response = try await client.chat(userMessage(model, "request \(index)"))
                #expect(response.status == .ok)
            }
            clock.advance(minutes: 1.5)
            // Outcomes are counted after each answer is sent; on a busy machine, and with the
            // random split, the candidate may not have been counted yet: drive until the hold is met.
            for index in 0..<200 where first.rollouts.report(model: model)?.hold?.isMet != true {
                _ = try await client.chat(userMessage(model, "more \(index)"))
            }
            await first.rolloutService.tick()
            let report = first.rollouts.report(model: model)
            #expect(report?.share == 50, "\(String(describing: report))")
        }

        // A new process: nothing in memory, everything from the database.
        let second = try Self.gateway(model: model, clock: clock, storage: storage)
        #expect(second.rollouts.report(model: model)?.share == 20)
        try await second.makeApplication(port: 0, host: "127.0.0.1").test(.live) { client in
            #expect(second.rollouts.report(model: model)?.share == 50)
            let response = try await client.chat(userMessage(model, "after the restart"))
            #expect(response.status == .ok)
        }
        // The history, read back from the storage as `shepherd rollout status` elsewhere would.
        let yaml = """
            storage: \(try storage ?? #require(postgresURL))
            providers: { p: { kind: mock } }
            models: { m: { targets: [{ provider: p, model: m }] } }
            """
        let config = try ConfigLoader.parse(yaml, file: "history.yaml", environment: [:])
        let kinds = try await LedgerStores.withRolloutStore(for: config) { store in try await store.events(model: model).map(\.kind) }
        #expect(kinds == ["promoted"], "\(kinds)")
    }
}

/// The same restart on SQLite storage, which has always kept rollouts.
@Suite("Rollout state on SQLite across a restart")
struct SQLiteRolloutRestartTests {
    @Test("a gateway restarted on SQLite resumes its rollout at the step it was at")
    func restartResumes() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        try await PostgresRolloutTests.checkRestartResumes(storage: "sqlite://\(path)")
    }
}
