import Foundation
import Testing

/// The `shepherd` binary that `swift build --build-tests` puts beside the tests.
private let shepherdBinary: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.appendingPathComponent(".build/debug/shepherd").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

private func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: shepherdBinary!)
    process.arguments = arguments
    // No stray ./shepherd.yaml pricing may leak into the run.
    process.currentDirectoryURL = FileManager.default.temporaryDirectory
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite("Audit: command line", .enabled(if: shepherdBinary != nil, "needs .build/debug/shepherd"))
struct AuditCLITests {
    @Test("a missing log exits 1 with one line on stderr")
    func missingFile() throws {
        let result = try run(["audit", "/nonexistent/usage.jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr == "shepherd: error: cannot read /nonexistent/usage.jsonl: no such file\n")
        #expect(result.stdout.isEmpty)
    }

    @Test("a target with no price exits 1 rather than showing a 100% saving")
    func unpricedTarget() throws {
        let result = try withTemporaryLog(lines: [AuditFixtures.seed]) { try run(["audit", $0, "--target", "nowhere/no-such-model"]) }
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("audit --format json prints one JSON object")
    func json() throws {
        let result = try withTemporaryLog(lines: [AuditFixtures.openAI, "garbage"]) { try run(["audit", $0, "--format", "json"]) }
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["requests"] as? Int == 1)
    }

    @Test("compare with suffixed token counts; bad usage exits 64")
    func compare() throws {
        let ok = try run(["compare", "--input-tokens", "500M", "--output-tokens", "150M", "--models", "openai/gpt-4o,openai/gpt-4o-mini", "--format", "csv"])
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").count == 3)
        let bad = try run(["compare", "--input-tokens", "lots", "--output-tokens", "1M", "--models", "openai/gpt-4o"])
        #expect(bad.status == 64)
    }
}
