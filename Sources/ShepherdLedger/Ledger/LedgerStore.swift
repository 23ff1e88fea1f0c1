import Foundation

/// Where ledger rows and per-key spend live. Implementations: ``SQLiteLedgerStore`` (one
/// gateway) and ``PostgresLedgerStore`` (several gateways sharing budgets).
public protocol LedgerStore: Sendable {
    /// Writes the rows in one transaction. A row whose `(id, shadow)` is already stored is left
    /// as it is, so a batch retried after an ambiguous failure does not double-count.
    func append(_ records: [UsageRecord]) async throws

    /// Totals per group of the rows since a time (all rows when nil), ordered by group.
    func usage(since: Date?, groupBy: [UsageGrouping]) async throws -> [UsageSummaryRow]

    /// Sets `amount` aside for a request on a key, atomically: granted only while
    /// `spent + unexpired reservations + amount <= limit`, across every gateway sharing the
    /// store; nil when refused. The reservation expires on its own (see ``BudgetReservation``),
    /// so one left behind by a killed gateway stops holding the budget.
    func reserve(keyID: String, amount: Decimal, limit: Decimal) async throws -> BudgetReservation?

    /// Ends a reservation: releases it and charges `actual` (which may be more or less) to its
    /// key, exactly once: settling the same reservation again changes nothing.
    func settle(_ reservation: BudgetReservation, actual: Decimal) async throws

    /// What the key has spent, and what its unexpired reservations hold now.
    func spend(keyID: String) async throws -> KeySpend
}

/// A store that can also commit on the calling thread, blocking it for the commit (SQLite:
/// a local file, tens of microseconds). ``LedgerWriter`` uses it for a row that arrives while
/// nothing else is being written, where waking a writer thread and being woken back would cost
/// more than the commit itself.
public protocol SynchronousLedgerAppending: LedgerStore {
    /// ``LedgerStore/append(_:)``'s contract, done before returning.
    func appendNow(_ records: [UsageRecord]) throws
}

/// Money set aside on a key for one request in flight. It stops counting against the budget at
/// `expiresAt`, which is later than any request can run (``BudgetReservation/defaultLifetime``
/// or ``ShepherdCore/GatewayConfig/reservationLifetime``); an expired reservation can still be
/// settled until it is swept, a further lifetime later.
public struct BudgetReservation: Sendable, Hashable {
    public var id: String
    public var keyID: String
    public var amount: Decimal
    public var expiresAt: Date

    public init(id: String, keyID: String, amount: Decimal, expiresAt: Date) {
        self.id = id
        self.keyID = keyID
        self.amount = amount
        self.expiresAt = expiresAt
    }

    /// 15 minutes: far beyond the default request deadline (twice a 120 s provider timeout).
    public static let defaultLifetime: TimeInterval = 15 * 60
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

/// How a store times its reservations: how long one lives, and what time it is (injected in
/// tests to expire reservations without waiting).
public struct ReservationClock: Sendable {
    public var lifetime: TimeInterval
    public var now: @Sendable () -> Date

    public init(lifetime: TimeInterval = BudgetReservation.defaultLifetime, now: @escaping @Sendable () -> Date = { Date() }) {
        precondition(lifetime > 0, "a reservation lives a positive time")
        self.lifetime = lifetime
        self.now = now
    }

    /// A new reservation's expiry, and the time before which expired ones are swept: a second
    /// lifetime after expiry, so that a late settle still finds its reservation and charges it.
    func times() -> (now: Date, expiresAt: Date, sweepBefore: Date) {
        let now = now()
        return (now, now.addingTimeInterval(lifetime), now.addingTimeInterval(-lifetime))
    }
}
