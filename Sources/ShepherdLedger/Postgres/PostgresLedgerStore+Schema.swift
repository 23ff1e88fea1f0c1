import Logging
import PostgresNIO

extension PostgresLedgerStore {
    /// Migrations in order; each runs once per database, recorded in `shepherd_migrations`.
    /// Names and shapes match the SQLite ledger's.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "ledger_v1_usage",
            [
                """
                CREATE TABLE ledger_usage (
                    id TEXT NOT NULL, shadow BOOLEAN NOT NULL, time TIMESTAMPTZ NOT NULL, key_id TEXT,
                    public_model TEXT NOT NULL, provider TEXT NOT NULL, target_model TEXT NOT NULL,
                    attempts INTEGER NOT NULL, status INTEGER NOT NULL, input_tokens BIGINT NOT NULL,
                    cached_input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, image_count INTEGER NOT NULL,
                    audio_seconds NUMERIC NOT NULL, video_seconds NUMERIC NOT NULL, cost_usd NUMERIC NOT NULL,
                    priced BOOLEAN NOT NULL, estimated BOOLEAN NOT NULL, first_byte_ms INTEGER,
                    total_ms INTEGER NOT NULL, rollout_step INTEGER,
                    PRIMARY KEY (id, shadow))
                """,
                "CREATE INDEX ledger_usage_time ON ledger_usage (time)",
                """
                CREATE TABLE ledger_key_spend (
                    key_id TEXT PRIMARY KEY, spent_usd NUMERIC NOT NULL, reserved_usd NUMERIC NOT NULL)
                """,
            ]
        ),
        (
            "keys_v1_virtual_keys",
            [
                """
                CREATE TABLE virtual_keys (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, prefix TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
                    models TEXT, budget_usd NUMERIC, rpm BIGINT, tpm BIGINT,
                    created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ)
                """
            ]
        ),
        (
            // One row per reservation, so that one left by a killed gateway expires instead of
            // holding the key's budget forever. The aggregate `reserved_usd` is no longer used;
            // what it held (possibly leaked) is released here.
            "ledger_v2_budget_reservations",
            [
                """
                CREATE TABLE ledger_budget_reservations (
                    id TEXT PRIMARY KEY, key_id TEXT NOT NULL, amount_usd NUMERIC NOT NULL, expires_at TIMESTAMPTZ NOT NULL)
                """,
                "CREATE INDEX ledger_budget_reservations_key ON ledger_budget_reservations (key_id, expires_at)",
                "UPDATE ledger_key_spend SET reserved_usd = 0",
            ]
        ),
        (
            // The SQLite rollout store's tables; times are seconds, as there, so they round-trip
            // exactly. Config versions are numbered under an advisory lock (no sequence gaps).
            "rollout_v1",
            [
                "CREATE TABLE rollout_state (model TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
                """
                CREATE TABLE rollout_events (
                    id BIGSERIAL PRIMARY KEY, model TEXT NOT NULL, time DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL,
                    detail TEXT NOT NULL)
                """,
                "CREATE INDEX rollout_events_model ON rollout_events (model, id)",
                "CREATE TABLE shadow_summaries (model TEXT PRIMARY KEY, summary TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL)",
                """
                CREATE TABLE config_versions (
                    id BIGINT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL, applied_at DOUBLE PRECISION NOT NULL,
                    sha256 TEXT NOT NULL UNIQUE, yaml TEXT NOT NULL, note TEXT)
                """,
            ]
        ),
    ]

    /// An arbitrary constant: the advisory lock that keeps two gateways starting together from
    /// migrating at the same time.
    static let migrationLock: Int64 = 0x5348_4550_4C45_44

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            _ = try await connection.query(
                "CREATE TABLE IF NOT EXISTS shepherd_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM shepherd_migrations", logger: logger)
                .decode(String.self)
            {
                applied.insert(name)
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                _ = try await connection.query("INSERT INTO shepherd_migrations (name) VALUES (\(migration.name))", logger: logger)
                logger.notice("ledger migration applied", metadata: ["shepherd.migration": "\(migration.name)"])
            }
        }
    }
}
