// swift-tools-version:6.2
import PackageDescription

// CI builds with every warning an error (our targets only; dependencies keep their own).
let strictness: [SwiftSetting] = Context.environment["CI"] == nil ? [] : [.treatAllWarnings(as: .error)]

let package = Package(
    name: "shepherd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shepherd", targets: ["ShepherdCLI"]),
        .library(name: "Shepherd", targets: ["Shepherd"]),
        .library(name: "ShepherdCore", targets: ["ShepherdCore"]),
        .library(name: "ShepherdTokenizer", targets: ["ShepherdTokenizer"]),
        .library(name: "ShepherdServer", targets: ["ShepherdServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Wire types, configuration and the one error type. No networking.
        .target(
            name: "ShepherdCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Byte-level BPE exact to tiktoken; vocabularies ship as resources.
        .target(
            name: "ShepherdTokenizer",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources")],
            // Optimized in debug builds too: unoptimized BPE made the tokenizer tests take 30 s
            // of both cores, starving every other test of the task pool for that long.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Upstream providers (openai, anthropic, gemini, mock) over AsyncHTTPClient, and the
        // gateway's own HTTP/1.1 pool for whole answers.
        .target(
            name: "ShepherdProviders",
            dependencies: [
                "ShepherdCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Choosing a target for a request.
        .target(
            name: "ShepherdRouting",
            dependencies: ["ShepherdCore", "ShepherdTokenizer", .product(name: "Metrics", package: "swift-metrics")]
        ),
        // Persistent state: virtual keys, the price catalog, the usage ledger and budgets
        // (SQLite by default, PostgreSQL for several gateway instances).
        .target(
            name: "ShepherdLedger",
            dependencies: [
                "ShepherdCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/catalog.json"), .copy("Resources/SOURCES.md")]
        ),
        // The Hummingbird application.
        .target(
            name: "ShepherdServer",
            dependencies: [
                "ShepherdCore", "ShepherdProviders", "ShepherdRouting", "ShepherdLedger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/Dashboard")]
        ),
        // The SDK for Swift apps.
        // The SDK for Swift apps: a client for any OpenAI-compatible endpoint, the routing
        // engine in-process, and the long-context helpers (map-reduce) `shepherd analyze` uses.
        .target(
            name: "Shepherd",
            dependencies: [
                "ShepherdCore", "ShepherdProviders", "ShepherdRouting", "ShepherdLedger", "ShepherdTokenizer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The thin command-line front end.
        .executableTarget(
            name: "ShepherdCLI",
            dependencies: [
                "Shepherd", "ShepherdCore", "ShepherdServer", "ShepherdLedger", "ShepherdTokenizer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // bench/gateway/run.sh --floor: Hummingbird, the gateway's server channel and upstream
        // pool with nothing of Shepherd's between them, the floor its overhead is measured over.
        .executableTarget(
            name: "shepherd-floor",
            dependencies: [
                "ShepherdServer", "ShepherdProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "bench/gateway/floor"
        ),
        .testTarget(name: "ShepherdCoreTests", dependencies: ["ShepherdCore"]),
        .testTarget(name: "ShepherdTokenizerTests", dependencies: ["ShepherdTokenizer"]),
        .testTarget(name: "ShepherdRoutingTests", dependencies: ["ShepherdRouting", "ShepherdCore", "ShepherdTokenizer"]),
        .testTarget(
            name: "ShepherdLedgerTests",
            dependencies: [
                "ShepherdLedger", "ShepherdCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "ShepherdProvidersTests",
            dependencies: [
                "ShepherdProviders", "ShepherdCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "ShepherdServerTests",
            dependencies: [
                "ShepherdServer", "ShepherdCore", "ShepherdProviders", "ShepherdLedger", "Shepherd",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "ShepherdTests",
            dependencies: [
                "Shepherd", "ShepherdCore", "ShepherdServer", "ShepherdProviders", "ShepherdRouting", "ShepherdLedger", "ShepherdTokenizer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

for target in package.targets {
    target.swiftSettings = (target.swiftSettings ?? []) + strictness
}
