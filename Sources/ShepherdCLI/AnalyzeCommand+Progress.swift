import Foundation
import Shepherd
import Synchronization

/// A progress bar on stderr while `shepherd analyze` calls the model, only on a terminal (a
/// log or a pipe would fill with carriage returns), redrawn at most ten times a second.
final class AnalyzeProgressBar: Sendable {
    private let enabled: Bool
    private let state = Mutex<(last: ContinuousClock.Instant?, drawn: Bool)>((nil, false))

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ progress: MapReduceProgress) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let complete = progress.done == progress.total
        let draw = state.withLock { state -> Bool in
            if !complete, let last = state.last, now - last < .milliseconds(100) { return false }
            state.last = now
            state.drawn = true
            return true
        }
        guard draw else { return }
        let width = 30
        let filled = progress.total == 0 ? width : progress.done * width / progress.total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let phase: String
        switch progress.phase {
        case .map: phase = "map"
        case .reduce(let level): phase = "reduce \(level)"
        }
        var text = "\r\u{1B}[K\(phase) \(bar) \(progress.done)/\(progress.total)"
        if progress.reused > 0 { text += " (\(progress.reused) from checkpoint)" }
        if progress.retries > 0 { text += " · \(progress.retries) retries" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Erases the bar so what follows starts clean.
    func finish() {
        guard state.withLock({ $0.drawn }) else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
