import Crypto
import Foundation

/// A virtual key as stored: never the key itself, only its SHA-256 and a display prefix.
public struct VirtualKey: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    /// The first characters of the key, for people to recognise it (`sk-shep-AbCd…`).
    public var prefix: String
    public var models: [String]?
    public var budgetUSD: Decimal?
    public var rpm: Int?
    public var tpm: Int?
    public var createdAt: Date
    public var revokedAt: Date?

    public var isActive: Bool { revokedAt == nil }

    public func allows(model: String) -> Bool {
        guard let models, !models.isEmpty else { return true }
        return models.contains(model)
    }
}

/// What `keys create` returns: the only moment the key exists in clear.
public struct CreatedKey: Sendable {
    public var key: VirtualKey
    public var secret: String
}

/// Making and checking key secrets, the same for every store.
public enum KeySecrets {
    /// A new key and its record; the store keeps only ``hash(_:)`` of the secret.
    static func make(name: String, models: [String]?, budgetUSD: Decimal?, rpm: Int?, tpm: Int?, now: Date) -> CreatedKey {
        let secret = "sk-shep-" + randomToken(length: 40)
        let key = VirtualKey(
            id: "key_" + randomToken(length: 12), name: name, prefix: String(secret.prefix(12)),
            models: models, budgetUSD: budgetUSD, rpm: rpm, tpm: tpm, createdAt: now, revokedAt: nil)
        return CreatedKey(key: key, secret: secret)
    }

    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares secrets without returning early, so the time taken says nothing about where
    /// they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// `models` as stored: a comma-separated list, or nil for every model.
    static func storedModels(_ models: [String]?) -> String? { models.map { $0.joined(separator: ",") } }
    static func models(stored: String?) -> [String]? { stored.map { $0.split(separator: ",").map(String.init) } }
}
