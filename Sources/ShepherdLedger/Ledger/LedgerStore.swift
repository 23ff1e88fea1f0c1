import Foundation

/// Where ledger rows and per-key spend live. Implementations: ``SQLiteLedgerStore`` (one
/// gateway) and ``PostgresLedgerStore`` (several gateways sharing budgets).
public protocol LedgerStore: Sendable {
    /// Writes the rows in one transaction. A row whose `(id, shadow)` is already stored is left
    /// as it is, so a batch retried after an ambiguous failure does not double-count.
    func append(_ records: [UsageRecord]) async throws

    /// Totals per group of the rows since a time (all rows when nil), ordered by group.
    func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow]

    /// Sets `amount` aside for a request on a key, atomically: succeeds only while
    /// `spent + reserved + amount <= limit`, across every gateway sharing the store.
    func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> Bool

    /// Ends a reservation: releases `reserved` and charges `actual` (which may be more or less).
    func settle(keyID: String, reserved: Decimal, actual: Decimal) async throws

    /// What the key has spent and has reserved now.
    func spend(keyID: String) async throws -> KeySpend
}

/// A key's money as the budget check sees it.
public struct KeySpend: Sendable, Equatable {
    public var spentUSD: Decimal
    public var reservedUSD: Decimal

    public init(spentUSD: Decimal = 0, reservedUSD: Decimal = 0) {
        self.spentUSD = spentUSD
        self.reservedUSD = reservedUSD
    }
}
