// Whole-file tokenizer throughput, the Shepherd side of bench/tokenizer/run.sh.
//
//   tokenizer-throughput FILE [--encodings cl100k_base,o200k_base] [--threads 1,2] [--runs 5]
//                             [--document-tokens 2000000]
//
// For each encoding: vocabulary load time; then `encode` and `count` of the whole file with the
// vocabulary loaded and the text in memory, best of --runs, for each thread count (the parallel
// ids are checked equal to the single-threaded ones); then the time to count a prefix of the file
// holding at least --document-tokens tokens. The sha256 of the ids is printed for comparison with
// tiktoken's. Every figure is also printed as a `RESULT key=value …`
// line for compare.py.
import Crypto
import Dispatch
import Foundation
import ShepherdTokenizer

struct Options {
    var file = ""
    var encodings: [EncodingName] = EncodingName.allCases
    var threads = [1, 2]
    var runs = 5
    var documentTokens = 2_000_000

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--encodings":
                encodings = (rest.popFirst() ?? "").split(separator: ",").map { name in
                    guard let encoding = EncodingName(rawValue: String(name)) else { fail("unknown encoding \(name)") }
                    return encoding
                }
            case "--threads": threads = (rest.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
            case "--runs": runs = Int(rest.popFirst() ?? "") ?? runs
            case "--document-tokens": documentTokens = Int(rest.popFirst() ?? "") ?? documentTokens
            default: file = argument
            }
        }
        if file.isEmpty { fail("usage: tokenizer-throughput FILE [--encodings E,…] [--threads 1,2] [--runs N]") }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// CPU time of the whole process (all threads), in seconds. On a machine shared with other
/// work, it moves much less than wall time between runs.
func cpuNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The best wall time of `runs` calls and the best CPU time, in seconds, and the last result.
func best<T>(_ runs: Int, _ body: () -> T) -> (seconds: Double, cpu: Double, result: T) {
    var fastest = Double.infinity
    var leastCPU = Double.infinity
    var result: T?
    for _ in 0..<max(runs, 1) {
        let cpuStart = cpuNow()
        let start = now()
        result = body()
        fastest = min(fastest, Double(now() - start) / 1e9)
        leastCPU = min(leastCPU, cpuNow() - cpuStart)
    }
    return (fastest, leastCPU, result!)
}

func report(_ fields: KeyValuePairs<String, String>) {
    print("RESULT " + fields.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

let options = Options(CommandLine.arguments)
guard let data = FileManager.default.contents(atPath: options.file) else { fail("cannot read \(options.file)") }
let text = String(decoding: data, as: UTF8.self)
let megabytes = Double(text.utf8.count) / 1e6
print("file: \(options.file) (\(text.utf8.count) bytes), best of \(options.runs) in-process runs")

for encoding in options.encodings {
    let loadStart = now()
    let tokenizer: Tokenizer
    do { tokenizer = try Tokenizer.load(encoding) } catch { fail("\(encoding.rawValue): \(error)") }
    let loadSeconds = Double(now() - loadStart) / 1e9
    print("\n\(encoding.rawValue): vocabulary loaded in \(String(format: "%.1f", loadSeconds * 1000)) ms")
    report(["encoding": encoding.rawValue, "op": "load", "seconds": String(loadSeconds)])

    let reference = tokenizer.encode(text)
    // sha256 of the ids as little-endian UInt32, for comparing with tiktoken's ids.
    let digest = reference.map { UInt32($0).littleEndian }.withUnsafeBytes { SHA256.hash(data: $0) }
    report(["encoding": encoding.rawValue, "op": "ids", "sha256": digest.map { String(format: "%02x", $0) }.joined()])
    for threads in options.threads {
        let encoded = best(options.runs) { tokenizer.encode(text, threads: threads) }
        if encoded.result != reference { fail("\(encoding.rawValue): \(threads)-thread ids differ from 1-thread ids") }
        let counted = best(options.runs) { tokenizer.count(text, threads: threads) }
        if counted.result != reference.count { fail("\(encoding.rawValue): \(threads)-thread count differs") }
        for (op, seconds, cpu) in [("encode", encoded.seconds, encoded.cpu), ("count", counted.seconds, counted.cpu)] {
            print("  \(op) \(threads) thread(s): \(String(format: "%.4f", seconds)) s, "
                + "\(String(format: "%.1f", megabytes / seconds)) MB/s, \(reference.count) tokens")
            report([
                "encoding": encoding.rawValue, "op": op, "threads": String(threads), "seconds": String(seconds),
                "cpu": String(cpu), "tokens": String(reference.count), "bytes": String(text.utf8.count),
            ])
        }
    }

    // A document of at least `documentTokens` tokens: the shortest prefix of whole lines (in
    // 16 KB steps) that holds them, starting from the file's bytes-per-token estimate.
    var utf8 = Array(text.utf8)
    var length = min(utf8.count, Int(Double(options.documentTokens) * Double(utf8.count) / Double(reference.count)))
    var document = ""
    while true {
        while length < utf8.count, utf8[length - 1] != 0x0A { length += 1 }
        document = String(decoding: utf8[0..<length], as: UTF8.self)
        if tokenizer.count(document) >= options.documentTokens || length >= utf8.count { break }
        length += 16 * 1024
    }
    utf8 = []
    let documentTokens = tokenizer.count(document)
    for threads in options.threads {
        let counted = best(options.runs) { tokenizer.count(document, threads: threads) }
        if counted.result != documentTokens { fail("\(encoding.rawValue): document count differs") }
        print("  count of a \(documentTokens)-token document (\(document.utf8.count) bytes), \(threads) thread(s): "
            + "\(String(format: "%.4f", counted.seconds)) s")
        report([
            "encoding": encoding.rawValue, "op": "document", "threads": String(threads),
            "seconds": String(counted.seconds), "cpu": String(counted.cpu), "tokens": String(documentTokens), "bytes": String(document.utf8.count),
        ])
    }
}
