import Foundation

/// Where virtual keys live: ``SQLiteKeyStore`` beside a SQLite ledger, or the
/// ``PostgresLedgerStore`` itself, so that gateways sharing one database share their keys.
///
/// Keys are found by the SHA-256 of what the client sent; the secret is never stored.
public protocol KeyStore: Sendable {
    func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date) async throws -> CreatedKey
    func list() async throws -> [VirtualKey]
    /// Revokes by id; false when there is no such key.
    func revoke(id: String, now: Date) async throws -> Bool
    /// The key whose secret hashes to `hash`, revoked or not; nil when there is none.
    func key(hash: String) async throws -> VirtualKey?
    /// Whether the store answers; for readiness.
    func ping() async -> Bool
}

extension KeyStore {
    public func create(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?) async throws -> CreatedKey {
        try await create(name: name, models: models, budgetUSD: budgetUSD, rpm: rpm, tpm: tpm, now: Date())
    }

    public func revoke(id: String) async throws -> Bool {
        try await revoke(id: id, now: Date())
    }

    /// The active key whose secret this is, or nil.
    public func authenticate(secret: String) async throws -> VirtualKey? {
        guard let key = try await key(hash: KeySecrets.hash(secret)) else { return nil }
        return key.isActive ? key : nil
    }
}
