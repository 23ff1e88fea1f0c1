// swift-tools-version:6.2
import PackageDescription

// An app that uses Shepherd as a library: `swift run swift-app` (see README.md).
let package = Package(
    name: "swift-app",
    platforms: [.macOS(.v15)],
    products: [.executable(name: "swift-app", targets: ["SwiftApp"])],
    // The checkout's folder name varies (main, shepherd …): the dependency is named explicitly.
    dependencies: [.package(name: "shepherd", path: "../..")],
    targets: [
        .executableTarget(
            name: "SwiftApp",
            dependencies: [.product(name: "Shepherd", package: "shepherd")]
        )
    ]
)
