import Foundation
import Testing

@testable import ShepherdLedger

@Suite("Usage reports")
struct UsageReportTests {
    let report = UsageReport(
        since: nil, groupBy: [.model],
        rows: [
            UsageSummaryRow(group: ["chat"], requests: 2, inputTokens: 300, cachedInputTokens: 40, outputTokens: 30, costUSD: decimal("0.100123")),
            UsageSummaryRow(group: ["a,b"], requests: 1, inputTokens: 5, outputTokens: 1, costUSD: 0, unpricedRequests: 1),
        ])

    @Test("--since takes spans and dates, and refuses anything else")
    func since() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(UsageWindow.since("30m", now: now) == now.addingTimeInterval(-1_800))
        #expect(UsageWindow.since("24h", now: now) == now.addingTimeInterval(-86_400))
        #expect(UsageWindow.since("7d", now: now) == now.addingTimeInterval(-604_800))
        #expect(UsageWindow.since("2025-06-01")?.timeIntervalSince1970 == 1_748_736_000)
        #expect(UsageWindow.since("2025-06-01T00:00:10Z")?.timeIntervalSince1970 == 1_748_736_010)
        for bad in ["", "7", "d", "-3d", "7y", "yesterday", "2025-13-01", "99999999999999999999d"] {
            #expect(UsageWindow.since(bad, now: now) == nil, "\(bad)")
        }
    }

    @Test("JSON carries exact cost strings and a total")
    func json() throws {
        let text = report.json()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let total = try #require(object["total"] as? [String: Any])
        #expect(total["cost_usd"] as? String == "0.100123")
        #expect(total["requests"] as? Int == 3)
        #expect((object["rows"] as? [[String: Any]])?.first?["model"] as? String == "chat")
        #expect(object["since"] is NSNull)
    }

    @Test("CSV quotes fields and ends with a total line; the table aligns")
    func csvAndTable() {
        let lines = report.csv().split(separator: "\n").map(String.init)
        #expect(lines[0] == "model,requests,input_tokens,cached_input_tokens,output_tokens,cost_usd,unpriced")
        #expect(lines[2] == "\"a,b\",1,5,0,1,0,1")
        #expect(lines[3] == "total,3,305,40,31,0.100123,1")
        let table = report.table()
        #expect(table.hasPrefix("MODEL"))
        #expect(table.split(separator: "\n").last?.hasPrefix("TOTAL") == true)
    }
}
