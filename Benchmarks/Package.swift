// swift-tools-version:6.2
// Benchmarks of ShepherdTokenizer, kept out of the root package so that neither CI's
// `swift build --build-tests` nor a release build of the gateway pulls in ordo-one/benchmark.
//
//   swift package --package-path Benchmarks benchmark                  # micro benchmarks
//   swift build -c release --package-path Benchmarks --product tokenizer-throughput
//   bench/tokenizer/run.sh                                             # side by side with tiktoken
import PackageDescription

let package = Package(
    name: "ShepherdBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "shepherd", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // Found by BenchmarkPlugin because its folder sits directly in Benchmarks/.
        .executableTarget(
            name: "TokenizerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ShepherdTokenizer", package: "shepherd"),
            ],
            path: "TokenizerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole-file throughput for bench/tokenizer/run.sh (not a benchmark target: it lives in Tools/).
        .executableTarget(
            name: "tokenizer-throughput",
            dependencies: [
                .product(name: "ShepherdTokenizer", package: "shepherd"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tools/TokenizerThroughput"
        ),
    ]
)
