import Synchronization
import Testing

@testable import ShepherdProviders

@Suite("Deadline race")
struct DeadlineRaceTests {
    @Test("an operation that finishes in time gives its value")
    func inTime() async throws {
        let value = try await DeadlineRace.run(until: .now.advanced(by: .seconds(30))) { 42 }
        #expect(value == 42)
    }

    @Test("past the deadline the operation is cancelled and the race says so")
    func late() async throws {
        let cancelled = Flag()
        let started = ContinuousClock.now
        let value: Int? = try await DeadlineRace.run(until: .now.advanced(by: .milliseconds(50))) {
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                cancelled.set()
                throw error
            }
            return 1
        }
        #expect(value == nil)
        #expect(cancelled.isSet)
        #expect(started.duration(to: .now) < .seconds(20))
    }

    @Test("the operation's own failure is thrown, not taken for a timeout")
    func failure() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            _ = try await DeadlineRace.run(until: .now.advanced(by: .seconds(30))) { () async throws -> Int in throw Boom() }
        }
    }

    @Test("cancelling the caller cancels the operation")
    func callerCancelled() async throws {
        let cancelled = Flag()
        let task = Task {
            try await DeadlineRace.run(until: .now.advanced(by: .seconds(30))) { () async throws -> Int in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    cancelled.set()
                    throw error
                }
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        _ = try? await task.value
        #expect(cancelled.isSet)
    }
}

private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
