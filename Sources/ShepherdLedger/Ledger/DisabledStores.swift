import Foundation
import ShepherdCore

/// The ledger of `storage: none`: keeps nothing, reports nothing, refuses no budget (there
/// are no keys to carry one).
public struct DisabledLedgerStore: LedgerStore {
    public init() {}
    public func append(_ records: [UsageRecord]) async throws {}
    public func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow] { [] }
    public func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation? {
        BudgetReservation(id: "", keyID: keyID, amount: amount, expiresAt: .distantFuture)
    }
    public func settle(_ reservation: BudgetReservation, actual: Decimal) async throws {}
    public func spend(keyID: String) async throws -> KeySpend { KeySpend() }
}

/// The key store of `storage: none`: there are no keys, and none can be made.
public struct DisabledKeyStore: KeyStore {
    public init() {}

    public func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date) async throws -> CreatedKey {
        throw GatewayError(.invalidRequest, "storage: none keeps no keys; configure sqlite:// or postgres:// storage to create them")
    }

    public func list() async throws -> [VirtualKey] { [] }
    public func revoke(id: String, now: Date) async throws -> Bool { false }
    public func key(hash: String) async throws -> VirtualKey? { nil }
    public func ping() async -> Bool { true }
}
