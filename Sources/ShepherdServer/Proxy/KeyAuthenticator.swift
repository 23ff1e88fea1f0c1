import Foundation
import ShepherdCore
import ShepherdLedger
import Synchronization

/// Who is calling: a virtual key, or nobody in particular when `auth: none`.
public struct Caller: Sendable {
    public var key: VirtualKey?

    func checkAllowed(model: String) throws(GatewayError) {
        if let key, !key.allows(model: model) {
            throw GatewayError(.modelNotAllowed, "This API key is not allowed to use the model '\(model)'.", param: "model")
        }
    }
}

/// Checks bearer keys against the key store, remembering answers briefly so that the
/// database is not read on every request. A revoked key stops working within `ttl`.
final class KeyAuthenticator: Sendable {
    private let store: (any KeyStore)?
    private let ttl: Duration
    private let cache = Mutex<[String: (key: VirtualKey?, expires: ContinuousClock.Instant)]>([:])
    private let maxEntries = 10_000

    init(store: (any KeyStore)?, ttl: Duration = .seconds(2)) {
        self.store = store
        self.ttl = ttl
    }

    /// - Parameter authorization: the `Authorization` (or dialect key) header value.
    func authenticate(bearer: String?) async throws(GatewayError) -> Caller {
        guard let store else { return Caller(key: nil) }
        guard let secret = bearer.flatMap(Self.token(from:)), !secret.isEmpty else {
            throw GatewayError(
                .invalidAPIKey,
                "You didn't provide an API key. Send it as 'Authorization: Bearer sk-shep-…' (create one with `shepherd keys create`).")
        }
        let hash = KeySecrets.hash(secret)
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[hash] }), cached.expires > now {
            guard let key = cached.key else { throw Self.unknownKey }
            return Caller(key: key)
        }
        let key: VirtualKey?
        do {
            key = try await store.key(hash: hash).flatMap { $0.isActive ? $0 : nil }
        } catch {
            throw GatewayError(.internalError, "The key store could not be read.")
        }
        cache.withLock { cache in
            if cache.count >= maxEntries { cache.removeAll(keepingCapacity: true) }
            cache[hash] = (key, now.advanced(by: ttl))
        }
        guard let key else { throw Self.unknownKey }
        return Caller(key: key)
    }

    private static let unknownKey = GatewayError(.invalidAPIKey, "Incorrect API key provided. Check the key, or create one with `shepherd keys create`.")

    static func token(from header: String) -> String? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " {
            return trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        }
        return trimmed
    }
}
