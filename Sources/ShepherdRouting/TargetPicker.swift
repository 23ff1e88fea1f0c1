import ShepherdCore

/// Orders a model's targets for one request: the first is the one to try, the rest are
/// fallbacks in order of weight. Sticky requests use weighted rendezvous hashing, so a
/// user keeps its target and a weight change moves only the users it must.
public struct TargetPicker: Sendable {
    public let targets: [Target]
    private let totalWeight: Int

    public init(targets: [Target]) {
        self.targets = targets
        self.totalWeight = targets.reduce(0) { $0 + max(0, $1.weight) }
    }

    /// - Parameters:
    ///   - stickyKey: the user to keep on one target, or nil for a weighted random pick.
    ///   - random: a number in [0, 1) for the random pick, injected for tests. Drawn only when
    ///     there is a pick to make: the system generator costs a system call per number.
    public func order(stickyKey: String?, random: @autoclosure () -> Double = Double.random(in: 0..<1)) -> [Target] {
        guard targets.count > 1 else { return targets }
        let first: Int
        if let stickyKey {
            first = rendezvous(stickyKey)
        } else {
            var point = random() * Double(totalWeight)
            var chosen = targets.lastIndex { $0.weight > 0 } ?? 0
            for (index, target) in targets.enumerated() where target.weight > 0 {
                point -= Double(target.weight)
                if point < 0 {
                    chosen = index
                    break
                }
            }
            first = chosen
        }
        var rest = targets.indices.filter { $0 != first }
        rest.sort { targets[$0].weight > targets[$1].weight }
        return [targets[first]] + rest.map { targets[$0] }
    }

    private func rendezvous(_ key: String) -> Int {
        var best = 0
        var bestScore = -Double.infinity
        for (index, target) in targets.enumerated() where target.weight > 0 {
            let hash = Self.hash(key, target.provider, target.model)
            // Uniform in (0, 1); -w / ln(u) is the weighted rendezvous score.
            let unit = (Double(hash >> 11) + 0.5) / Double(1 << 53)
            let score = -Double(target.weight) / log(unit)
            if score > bestScore {
                bestScore = score
                best = index
            }
        }
        return best
    }

    static func hash(_ parts: String...) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xFF) &* 0x100_0000_01b3
        }
        // Finalize (SplitMix64's mixer) so nearby keys spread over the whole range.
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
