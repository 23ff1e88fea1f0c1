import Foundation
import ShepherdCore

/// Tokens and requests of one model in a log, summed over its lines.
public struct ModelUsage: Sendable, Equatable {
    public var model: String
    /// The provider the lines named, if they named one.
    public var provider: String?
    public var requests = 0
    /// Includes the cached input tokens.
    public var inputTokens = 0
    public var cachedInputTokens = 0
    public var outputTokens = 0

    public init(model: String, provider: String?) {
        self.model = model
        self.provider = provider
    }

    /// In ``CostCalculator``'s terms.
    public var usage: Usage { Usage(promptTokens: inputTokens, completionTokens: outputTokens, cachedTokens: cachedInputTokens) }

    mutating func add(_ line: UsageLine) {
        requests += 1
        inputTokens += line.inputTokens
        cachedInputTokens += line.cachedInputTokens
        outputTokens += line.outputTokens
    }

    mutating func add(_ other: ModelUsage) {
        requests += other.requests
        inputTokens += other.inputTokens
        cachedInputTokens += other.cachedInputTokens
        outputTokens += other.outputTokens
    }
}

/// Lines skipped for one reason: how many, and where the first few are.
public struct SkipTally: Sendable, Equatable {
    public static let examples = 5
    public var count = 0
    /// `file:line`, the first ``examples`` of them.
    public var firstLines: [String] = []
}

/// Everything the audit learns from reading logs; memory is proportional to the number of
/// distinct models, never to the number of lines.
public struct LogScan: Sendable {
    public private(set) var models: [ModelKey: ModelUsage] = [:]
    public private(set) var skipped: [SkipReason: SkipTally] = [:]
    public private(set) var shapes: [LogShape: Int] = [:]
    /// Non-blank lines seen.
    public private(set) var lines = 0
    public private(set) var earliest: Double?
    public private(set) var latest: Double?
    /// Used lines that carried a time.
    public private(set) var timedRequests = 0
    /// Problems with whole files that did not stop the audit (a truncated gzip).
    public private(set) var warnings: [String] = []

    public struct ModelKey: Hashable, Sendable {
        public var model: String
        public var provider: String?
    }

    public init() {}

    public var requests: Int { models.values.reduce(0) { $0 + $1.requests } }

    /// The log's own span from its first to its last timestamp, in seconds; nil without two
    /// distinct times.
    public var spanSeconds: Double? {
        guard let earliest, let latest, latest > earliest else { return nil }
        return latest - earliest
    }

    /// Reads each file in turn. A file that cannot be opened stops the audit with a one-line
    /// error; a bad line never does. `progress` gets (bytes read, total bytes) of the file being read.
    public static func read(paths: [String], progress: ((String, Int64, Int64) -> Void)? = nil) throws(AuditError) -> LogScan {
        var scan = LogScan()
        // Open every file first so a typo in the last path fails before minutes of reading.
        for path in paths where !FileManager.default.isReadableFile(atPath: path) {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw AuditError("cannot read \(path): \(why)")
        }
        for path in paths { try scan.read(path: path, progress: progress) }
        return scan
    }

    public mutating func read(path: String, progress: ((String, Int64, Int64) -> Void)? = nil) throws(AuditError) {
        let reader = try LogLineReader(path: path)
        var number = 0
        var nextReport: Int64 = 0
        while let result = try reader.nextLine({ line -> Result<UsageLine, SkipReason>? in
            switch line {
            case .tooLong: return .failure(.tooLong)
            case .bytes(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
                return UsageLineParser.parse(bytes)
            }
        }) {
            number += 1
            guard let result else { continue }
            add(result, at: "\(path):\(number)")
            if let progress, reader.bytesRead >= nextReport {
                progress(path, reader.bytesRead, reader.fileBytes)
                nextReport = reader.bytesRead + (4 << 20)
            }
        }
        if let progress { progress(path, reader.bytesRead, reader.fileBytes) }
        if let warning = reader.warning { warnings.append(warning) }
    }

    /// Adds one parsed line. The location is an autoclosure so the common case builds no string.
    mutating func add(_ result: Result<UsageLine, SkipReason>, at location: @autoclosure () -> String) {
        lines += 1
        switch result {
        case .failure(let reason):
            var tally = skipped[reason, default: SkipTally()]
            tally.count += 1
            if tally.firstLines.count < SkipTally.examples { tally.firstLines.append(location()) }
            skipped[reason] = tally
        case .success(let line):
            shapes[line.shape, default: 0] += 1
            let key = ModelKey(model: line.model, provider: line.provider)
            models[key, default: ModelUsage(model: line.model, provider: line.provider)].add(line)
            if let time = line.time {
                timedRequests += 1
                earliest = min(earliest ?? time, time)
                latest = max(latest ?? time, time)
            }
        }
    }
}
