import Foundation
import ShepherdCore
import Testing

@testable import ShepherdLedger

@Suite("Virtual keys")
struct KeyStoreTests {
    func withStore(_ body: (SQLiteKeyStore, String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).db").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        try await body(try SQLiteKeyStore(path: path), path)
    }

    @Test("a key authenticates, is listed masked, and stops working once revoked")
    func lifecycle() async throws {
        try await withStore { store, _ in
            let created = try await store.create(name: "backend", models: ["chat"], budgetUSD: Decimal(string: "12.50"), rpm: 60, tpm: nil)
            #expect(created.secret.hasPrefix("sk-shep-"))
            #expect(created.secret.count == 48)
            #expect(try await store.authenticate(secret: created.secret)?.id == created.key.id)
            #expect(try await store.authenticate(secret: created.secret + "x") == nil)
            let listed = try await store.list()
            #expect(listed.count == 1)
            #expect(listed[0].prefix == String(created.secret.prefix(12)))
            #expect(listed[0].budgetUSD == Decimal(string: "12.50"))
            #expect(listed[0].allows(model: "chat") && !listed[0].allows(model: "other"))
            #expect(try await store.revoke(id: created.key.id))
            #expect(try await store.authenticate(secret: created.secret) == nil)
            #expect(try await store.revoke(id: "key_missing") == false)
        }
    }

    @Test("the database holds only the key's hash, never the key")
    func onlyHashStored() async throws {
        try await withStore { store, path in
            let created = try await store.create(name: "n", models: nil, budgetUSD: nil, rpm: nil, tpm: nil)
            // Checkpointing is not needed: read every file SQLite may have written.
            var bytes = Data()
            for suffix in ["", "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data() }
            let secretPart = Data(created.secret.dropFirst(12).utf8)
            #expect(bytes.range(of: secretPart) == nil)
            #expect(bytes.range(of: Data(KeySecrets.hash(created.secret).utf8)) != nil)
        }
    }

    @Test("cost counts cached input once, at its own price")
    func cost() {
        let calculator = CostCalculator(prices: ["relay/flash": PriceOverride(input: Decimal(string: "0.30")!, cachedInput: Decimal(string: "0.075")!, output: Decimal(string: "2.50")!)])
        let usage = Usage(promptTokens: 1_000_000, completionTokens: 100_000, cachedTokens: 400_000)
        // 600k × 0.30 + 400k × 0.075 + 100k × 2.50, per million.
        #expect(calculator.cost(of: usage, at: TargetRef(provider: "relay", model: "flash")) == Decimal(string: "0.46"))
        #expect(calculator.cost(of: usage, at: TargetRef(provider: "relay", model: "unknown")) == nil)
        #expect(CostCalculator.format(Decimal(string: "0.000001234567891234")!) == "0.0000012346")
    }
}
