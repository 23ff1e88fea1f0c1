import Crypto
import Foundation
import ShepherdCore
import ShepherdRouting

/// Carries out a ``MapReducePlan``: one map call per chunk with bounded concurrency, then
/// reduce levels until one answer. Each answered call goes to the checkpoint before anything
/// else happens with it, and calls the checkpoint already answers are not made again.
public struct MapReduceRunner: Sendable {
    public let plan: MapReducePlan
    public let client: any ChatCompleting
    public let checkpoint: CheckpointLog?
    public let retrier: CallRetrier

    public init(plan: MapReducePlan, client: any ChatCompleting, checkpoint: CheckpointLog?, retrier: CallRetrier = CallRetrier()) {
        self.plan = plan
        self.client = client
        self.checkpoint = checkpoint
        self.retrier = retrier
    }

    /// A call to make, under the id its result is checkpointed as.
    struct Job: Sendable {
        var id: String
        var request: ChatCompletionRequest
    }

    /// What a run has done so far; the phases add to it.
    struct Ledger: Sendable {
        var outcome = MapReduceOutcome(
            answer: "", chunks: 0, mapCalls: 0, reduceCalls: 0, reusedCalls: 0, reduceLevels: 0, paid: TokenTally(),
            paidCostUSD: 0, total: TokenTally(), retries: 0, truncatedPartials: 0)
    }

    public func run(progress: @escaping @Sendable (MapReduceProgress) -> Void = { _ in }) async throws -> MapReduceOutcome {
        var ledger = Ledger()
        ledger.outcome.chunks = plan.chunks.count
        let total = plan.chunks.count
        let mapJobs: [Job] = total == 1
            ? [Job(id: "single", request: plan.prompts.single(document: plan.chunks[0].text))]
            : plan.chunks.map { Job(id: "map:\($0.index)", request: plan.prompts.map(chunk: $0.text, index: $0.index, of: total)) }
        var partials = try await runJobs(mapJobs, phase: .map, ledger: &ledger, progress: progress)
        if total == 1 {
            ledger.outcome.answer = partials[0]
            return ledger.outcome
        }
        var level = 0
        while true {
            level += 1
            let fitted = partials.map(plan.fitted)
            ledger.outcome.truncatedPartials += fitted.filter(\.truncated).count
            let groups = ReduceGrouping.groups(sizes: fitted.map(\.tokens), room: plan.reduceRoom, perItem: plan.perPartial)
            let final = groups.count == 1
            var jobs: [Job] = []
            var next: [Int: String] = [:]  // group index → passed-through partial
            for (index, group) in groups.enumerated() {
                if group.count == 1, !final {
                    next[index] = fitted[group.lowerBound].text
                    continue
                }
                let inputs = fitted[group].map(\.text)
                jobs.append(Job(id: Self.reduceID(inputs, final: final), request: plan.prompts.reduce(partials: inputs, final: final)))
            }
            var answers = try await runJobs(jobs, phase: .reduce(level: level), ledger: &ledger, progress: progress)[...]
            partials = groups.indices.map { next[$0] ?? answers.removeFirst() }
            ledger.outcome.reduceLevels = level
            if final { break }
        }
        ledger.outcome.answer = partials[0]
        return ledger.outcome
    }

    /// A reduce call is known by what it reads: the same partials give the same id in a
    /// resumed run, whichever level or group they land in.
    static func reduceID(_ inputs: [String], final: Bool) -> String {
        var hasher = SHA256()
        for input in inputs {
            hasher.update(data: Data("\(input.utf8.count):".utf8))
            hasher.update(data: Data(input.utf8))
        }
        let digest = hasher.finalize().prefix(16).map { String(format: "%02x", $0) }.joined()
        return "reduce:\(final ? "final" : "merge"):\(digest)"
    }

    /// The jobs' answers in order: from the checkpoint where it has them, else by calls, at
    /// most `concurrency` at once. On a failure no new call starts, but the calls in flight
    /// finish and are checkpointed (they are paid for) before the first failure is thrown.
    func runJobs(
        _ jobs: [Job], phase: MapReduceProgress.Phase, ledger: inout Ledger,
        progress: @escaping @Sendable (MapReduceProgress) -> Void
    ) async throws -> [String] {
        var answers = [String?](repeating: nil, count: jobs.count)
        var pending: [Int] = []
        var reused = 0
        for (index, job) in jobs.enumerated() {
            if let saved = await checkpoint?.entry(job.id) {
                answers[index] = saved.text
                ledger.outcome.total += saved.tally
                reused += 1
            } else {
                pending.append(index)
            }
        }
        ledger.outcome.reusedCalls += reused
        var done = reused
        progress(MapReduceProgress(phase: phase, done: done, total: jobs.count, reused: reused, retries: ledger.outcome.retries))

        var failure: (any Error)?
        await withTaskGroup(of: (Int, Result<CheckpointEntry, any Error>, Int).self) { group in
            var launched = 0
            func launch() {
                let index = pending[launched]
                launched += 1
                let job = jobs[index]
                group.addTask { await self.call(job, index: index) }
            }
            while launched < min(plan.settings.concurrency, pending.count) { launch() }
            for await (index, result, retries) in group {
                ledger.outcome.retries += retries
                switch result {
                case .success(let entry):
                    answers[index] = entry.text
                    ledger.outcome.paid += entry.tally
                    let cost = entry.costUSD.flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
                    ledger.outcome.paidCostUSD = cost.flatMap { cost in ledger.outcome.paidCostUSD.map { $0 + cost } }
                    ledger.outcome.total += entry.tally
                    if case .map = phase { ledger.outcome.mapCalls += 1 } else { ledger.outcome.reduceCalls += 1 }
                    done += 1
                    progress(MapReduceProgress(phase: phase, done: done, total: jobs.count, reused: reused, retries: ledger.outcome.retries))
                case .failure(let error):
                    if failure == nil { failure = error }
                }
                if failure == nil, launched < pending.count { launch() }
            }
        }
        if let failure { throw failure }
        return answers.map { $0 ?? "" }
    }

    /// One job with retries, its answer checkpointed before it is returned.
    private func call(_ job: Job, index: Int) async -> (Int, Result<CheckpointEntry, any Error>, Int) {
        var retries = 0
        do {
            let client = self.client
            let ((completion, cost), taken) = try await retrier.run { () async throws -> (ChatCompletion, Decimal?) in
                if let reporting = client as? any CostReportingChatCompleting {
                    return try await reporting.completeReportingCost(job.request)
                }
                return (try await client.complete(job.request), nil)
            }
            retries = taken
            let text = completion.choices.first?.message.content ?? ""
            let usage = completion.usage
            let entry = CheckpointEntry(
                id: job.id, text: text,
                inputTokens: usage?.promptTokens ?? PromptSizer(tokenizer: plan.tokenizer).size(of: job.request).total,
                outputTokens: usage?.completionTokens ?? plan.tokenizer.count(text),
                costUSD: cost.map { NSDecimalNumber(decimal: $0).stringValue })
            try await checkpoint?.append(entry)
            return (index, .success(entry), retries)
        } catch {
            return (index, .failure(error), retries)
        }
    }
}
