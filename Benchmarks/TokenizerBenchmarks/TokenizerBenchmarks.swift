// Micro benchmarks of ShepherdTokenizer (ordo-one/benchmark):
//
//   swift package --package-path Benchmarks benchmark
//   swift package --package-path Benchmarks benchmark --filter "o200k.*"
//
// The corpus is /work/shared/tokenizer-golden/bench.txt (BENCH_TEXT overrides it); the first
// 1 MB of it is used so that one iteration takes milliseconds.
import Benchmark
import Foundation
import ShepherdTokenizer

private let corpus: String = {
    let path = ProcessInfo.processInfo.environment["BENCH_TEXT"] ?? "/work/shared/tokenizer-golden/bench.txt"
    guard let data = FileManager.default.contents(atPath: path) else {
        fatalError("no benchmark corpus at \(path); set BENCH_TEXT")
    }
    // Cut after a newline so the prefix is valid UTF-8 and ends on a piece boundary.
    var end = min(data.count, 1 << 20)
    while end < data.count, data[end - 1] != 0x0A { end += 1 }
    return String(decoding: data[0..<end], as: UTF8.self)
}()

private let chatMessage =
    "You are a helpful assistant. Summarise the following contract clause in two sentences, "
    + "keeping every defined term (\"Licensee\", \"Effective Date\") verbatim: …"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
        maxDuration: .seconds(3),
        maxIterations: 200
    )
    for encoding in EncodingName.allCases {
        let name = encoding.rawValue.replacingOccurrences(of: "_base", with: "")
        Benchmark("\(name) count 1 MB") { benchmark in
            let tokenizer = try Tokenizer.load(encoding)
            benchmark.startMeasurement()
            blackHole(tokenizer.count(corpus))
        }
        Benchmark("\(name) encode 1 MB") { benchmark in
            let tokenizer = try Tokenizer.load(encoding)
            benchmark.startMeasurement()
            blackHole(tokenizer.encode(corpus))
        }
        Benchmark("\(name) count 1 MB, 2 threads") { benchmark in
            let tokenizer = try Tokenizer.load(encoding)
            benchmark.startMeasurement()
            blackHole(tokenizer.count(corpus, threads: 2))
        }
        Benchmark("\(name) count chat message", configuration: .init(scalingFactor: .kilo)) { benchmark in
            let tokenizer = try Tokenizer.load(encoding)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(tokenizer.count(chatMessage))
            }
        }
        Benchmark("\(name) decode 1 MB") { benchmark in
            let tokenizer = try Tokenizer.load(encoding)
            let ids = tokenizer.encode(corpus)
            benchmark.startMeasurement()
            blackHole(tokenizer.decode(ids))
        }
    }
}
