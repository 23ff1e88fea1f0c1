import Foundation
import ShepherdCore
import Testing

@testable import ShepherdLedger

@Suite("Audit: reading logs and pricing them")
struct AuditScanTests {
    let calculator = AuditFixtures.calculator
    let flash = TargetRef(provider: "relay", model: "flash")

    private var allShapes: [String] {
        [AuditFixtures.openAI, AuditFixtures.anthropic, AuditFixtures.gemini, AuditFixtures.seed, AuditFixtures.liteLLM,
         AuditFixtures.shepherd]
    }

    @Test("mixed shapes in one file: per model rows, total, targets and a month from the log's span")
    func mixed() throws {
        let scan = try withTemporaryLog(lines: allShapes) { try LogScan.read(paths: [$0]) }
        #expect(scan.lines == 6)
        #expect(scan.requests == 6)
        #expect(scan.skipped.isEmpty)
        #expect(LogShape.allCases.allSatisfy { scan.shapes[$0] == 1 })

        let report = AuditReport(scan: scan, targets: [flash], calculator: calculator)
        // openai, seed, litellm and shepherd lines all bill openai/gpt-4o: one row.
        #expect(report.rows.map(\.pricedAs.description) == ["openai/gpt-4o", "anthropic/claude-x", "gemini/flash"])
        let gpt = report.rows[0]
        #expect(gpt.usage.requests == 4)
        #expect((gpt.usage.inputTokens, gpt.usage.cachedInputTokens, gpt.usage.outputTokens) == (1810, 500, 375))
        // 0.0055 + 0.000075 + 0.00045 + 0.001625
        #expect(gpt.cost == decimal("0.00765"))
        // On flash: (1310×0.3 + 500×0.075 + 375×2.5) / 1M = (393 + 37.5 + 937.5) / 1M
        #expect(gpt.projected == [decimal("0.001368")])
        // 0.00765 + 0.00195 + 0.0014875
        #expect(report.total.cost == decimal("0.0110875"))
        #expect(report.total.priced)
        #expect(report.total.usage.requests == 6)

        // Times: openai 2025-06-01T00:00Z, litellm 12:00, shepherd 2025-06-02T00:00Z → one day,
        // and a month of 30.4375 days.
        #expect(scan.timedRequests == 3)
        #expect(report.spanSeconds == 86_400)
        #expect(report.monthlyFactor == decimal("30.4375"))
        #expect(report.monthly(report.total.cost) == decimal("0.33747578125"))
        #expect(report.annual(report.total.cost) == decimal("4.049709375"))
    }

    @Test("saving, absolute and percent, against each target")
    func savings() throws {
        let scan = try withTemporaryLog(lines: [AuditFixtures.openAI]) { try LogScan.read(paths: [$0]) }
        let report = AuditReport(scan: scan, targets: [flash], calculator: calculator)
        // (800×0.3 + 400×0.075 + 300×2.5) / 1M = 0.00102; saving 0.00448 of 0.0055 = 81.45…%
        #expect(report.total.projected == [decimal("0.00102")])
        #expect(report.total.cost - report.total.projected[0] == decimal("0.00448"))
        #expect(Saving.percent(from: report.total.cost, to: report.total.projected[0]) == decimal("81.5"))
        // One timestamp is no span: no projection, and the report says why.
        #expect(report.monthlyFactor == nil)
        #expect(report.periodLine(scan).contains("spans no time"))
    }

    @Test("gzip input reads the same as plain")
    func gzip() throws {
        let plain = try withTemporaryLog(lines: allShapes) { path -> (Decimal, Decimal) in
            let gz = try gzipped(path)
            defer { try? FileManager.default.removeItem(atPath: gz) }
            let fromPlain = AuditReport(scan: try LogScan.read(paths: [path]), targets: [], calculator: calculator)
            let fromGzip = AuditReport(scan: try LogScan.read(paths: [gz]), targets: [], calculator: calculator)
            return (fromPlain.total.cost, fromGzip.total.cost)
        }
        #expect(plain.0 == decimal("0.0110875"))
        #expect(plain.1 == plain.0)
    }

    @Test("a truncated gzip keeps the lines before the damage and warns")
    func truncatedGzip() throws {
        let lines = Array(repeating: AuditFixtures.seed, count: 20_000)
        try withTemporaryLog(lines: lines) { path in
            let gz = try gzipped(path)
            defer { try? FileManager.default.removeItem(atPath: gz) }
            let data = try Data(contentsOf: URL(fileURLWithPath: gz))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: gz))
            let scan = try LogScan.read(paths: [gz])
            #expect(scan.warnings.count == 1)
            #expect(scan.requests < 20_000)
        }
    }

    @Test("malformed lines are counted by reason with their first line numbers, and never stop the audit")
    func malformed() throws {
        var lines = [AuditFixtures.seed, "", "   "]
        lines += (1...7).map { "broken \($0)" }
        lines += ["[]", #"{"model":"gpt-4o"}"#, AuditFixtures.seed]
        let scan = try withTemporaryLog(lines: lines) { path -> LogScan in
            let scan = try LogScan.read(paths: [path])
            let name = path
            #expect(scan.skipped[.notJSON]?.count == 7)
            #expect(scan.skipped[.notJSON]?.firstLines == (4...8).map { "\(name):\($0)" })
            #expect(scan.skipped[.notObject]?.firstLines == ["\(name):11"])
            #expect(scan.skipped[.unknownShape]?.firstLines == ["\(name):12"])
            return scan
        }
        #expect(scan.requests == 2)
        #expect(scan.lines == 11)  // blank lines are not lines of the log
    }

    @Test("an empty file is an empty report")
    func empty() throws {
        let scan = try withTemporaryLog(Data()) { try LogScan.read(paths: [$0]) }
        #expect(scan.lines == 0)
        let report = AuditReport(scan: scan, targets: [flash], calculator: calculator)
        #expect(report.rows.isEmpty)
        #expect(report.total.cost == 0)
        #expect(Saving.percent(from: report.total.cost, to: report.total.projected[0]) == nil)
        #expect(report.periodLine(scan).hasPrefix("No timestamps"))
        #expect(report.table(scan: scan).contains("total"))
    }

    @Test("a missing file fails in one line before anything is read")
    func missing() throws {
        let error = #expect(throws: AuditError.self) {
            try LogScan.read(paths: ["/nonexistent/usage.jsonl"])
        }
        #expect(error?.description == "cannot read /nonexistent/usage.jsonl: no such file")
    }

    @Test("binary garbage is skipped line by line; a good line after it still counts")
    func garbage() throws {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes += Array(("\n" + AuditFixtures.seed + "\n").utf8)
        let scan = try withTemporaryLog(Data(bytes)) { try LogScan.read(paths: [$0]) }
        #expect(scan.requests == 1)
        #expect(scan.lines > 1)
        #expect(scan.skipped.values.reduce(0) { $0 + $1.count } == scan.lines - 1)
    }

    @Test("a line split across read chunks is read whole")
    func longLines() throws {
        let padding = String(repeating: "x", count: 3 << 20)
        let long = #"{"model":"gpt-4o","note":""# + padding + #"","usage":{"input_tokens":10,"output_tokens":5}}"#
        let scan = try withTemporaryLog(lines: [AuditFixtures.seed, long, AuditFixtures.seed]) { try LogScan.read(paths: [$0]) }
        #expect(scan.requests == 3)
    }

    @Test("a line over 16 MiB is skipped and reported, and reading goes on after it")
    func tooLong() throws {
        let huge = String(repeating: "y", count: LogLineReader.maxLineBytes + 10)
        let scan = try withTemporaryLog(lines: [AuditFixtures.seed, huge, AuditFixtures.seed, huge]) { try LogScan.read(paths: [$0]) }
        #expect(scan.requests == 2)
        #expect(scan.skipped[.tooLong]?.count == 2)
    }

    @Test("JSON and CSV carry the exact figures")
    func formats() throws {
        let scan = try withTemporaryLog(lines: allShapes) { try LogScan.read(paths: [$0]) }
        let report = AuditReport(scan: scan, targets: [flash], calculator: calculator)
        let json = try JSONSerialization.jsonObject(with: Data(report.json(scan: scan).utf8)) as? [String: Any]
        let total = json?["total"] as? [String: Any]
        #expect(total?["cost_usd"] as? String == "0.0110875")
        #expect(total?["requests"] as? Int == 6)
        let csv = report.csv().split(separator: "\n")
        #expect(csv.count == 5)  // header, three models, total
        #expect(csv[0].hasPrefix("model,priced_as,requests,input_tokens,cached_input_tokens,output_tokens,cost_usd"))
        #expect(csv[4].hasPrefix("total,,6,"))
    }
}

@Suite("Audit: compare")
struct AuditCompareTests {
    @Test("monthly and annual cost and saving against the first model")
    func matrix() {
        let profile = UsageProfile(inputTokens: 500_000_000, cachedInputTokens: 100_000_000, outputTokens: 150_000_000)
        let comparison = CostComparison(
            profile: profile, targets: [TargetRef(provider: "openai", model: "gpt-4o"), TargetRef(provider: "gemini", model: "flash")],
            calculator: AuditFixtures.calculator)
        // gpt-4o: 400M×2.5 + 100M×1.25 + 150M×10 = 1000 + 125 + 1500
        #expect(comparison.rows[0].monthly == 2625)
        #expect(comparison.rows[0].annual == 31_500)
        // flash: 400M×0.3 + 100M×0.075 + 150M×2.5 = 120 + 7.5 + 375
        #expect(comparison.rows[1].monthly == decimal("502.5"))
        #expect(comparison.monthlySaving(comparison.rows[1]) == decimal("2122.5"))
        #expect(comparison.percent(comparison.rows[1]) == decimal("80.9"))
        #expect(comparison.csv().split(separator: "\n").count == 3)
    }

    @Test("token counts with K, M and B suffixes", arguments: [
        ("500M", 500_000_000), ("1.5B", 1_500_000_000), ("20k", 20_000), ("1200", 1200), ("1_000", 1000),
    ])
    func tokenCounts(text: String, expected: Int) {
        #expect(TokenCount.parse(text) == expected)
    }

    @Test("bad token counts", arguments: ["", "M", "1.5", "-5M", "ten", "1e6"])
    func badTokenCounts(text: String) {
        #expect(TokenCount.parse(text) == nil)
    }
}
