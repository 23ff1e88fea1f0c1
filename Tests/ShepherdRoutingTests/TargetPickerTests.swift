import ShepherdCore
import Testing

@testable import ShepherdRouting

@Suite("Target choice")
struct TargetPickerTests {
    let picker = TargetPicker(targets: [
        Target(provider: "legacy", model: "gpt-4o", weight: 90),
        Target(provider: "relay", model: "gemini", weight: 10),
    ])

    @Test("the random pick follows the weights; the rest follow as fallbacks")
    func weighted() {
        #expect(picker.order(stickyKey: nil, random: 0.0).map(\.provider) == ["legacy", "relay"])
        #expect(picker.order(stickyKey: nil, random: 0.8999).map(\.provider) == ["legacy", "relay"])
        #expect(picker.order(stickyKey: nil, random: 0.9).map(\.provider) == ["relay", "legacy"])
        #expect(picker.order(stickyKey: nil, random: 0.9999).map(\.provider) == ["relay", "legacy"])
    }

    @Test("a random number is drawn only when there is a random pick to make")
    func drawsOnlyWhenPicking() {
        var draws = 0
        func draw() -> Double {
            draws += 1
            return 0.95
        }
        let single = TargetPicker(targets: [Target(provider: "only", model: "m")])
        #expect(single.order(stickyKey: nil, random: draw()).map(\.provider) == ["only"])
        #expect(picker.order(stickyKey: "user-1", random: draw()).count == 2)
        #expect(draws == 0)
        #expect(picker.order(stickyKey: nil, random: draw()).map(\.provider) == ["relay", "legacy"])
        #expect(draws == 1)
    }

    @Test("a zero-weight target is never first but still a fallback")
    func zeroWeight() {
        let picker = TargetPicker(targets: [Target(provider: "a", model: "x", weight: 0), Target(provider: "b", model: "y", weight: 5)])
        for random in stride(from: 0.0, to: 1.0, by: 0.05) {
            #expect(picker.order(stickyKey: nil, random: random).map(\.provider) == ["b", "a"])
        }
        for user in 0..<200 {
            #expect(picker.order(stickyKey: "user-\(user)").first?.provider == "b")
        }
    }

    @Test("sticky users keep their target and split close to the weights")
    func sticky() {
        var relay = 0
        for user in 0..<10_000 {
            let first = picker.order(stickyKey: "user-\(user)").first!
            #expect(picker.order(stickyKey: "user-\(user)").first == first)
            if first.provider == "relay" { relay += 1 }
        }
        #expect((800...1200).contains(relay), "relay got \(relay) of 10000")
    }

    @Test("raising a weight moves users only toward the target that grew")
    func minimalMovement() {
        let grown = TargetPicker(targets: [
            Target(provider: "legacy", model: "gpt-4o", weight: 75),
            Target(provider: "relay", model: "gemini", weight: 25),
        ])
        var moved = 0
        for user in 0..<5_000 {
            let before = picker.order(stickyKey: "u\(user)").first!.provider
            let after = grown.order(stickyKey: "u\(user)").first!.provider
            if before != after {
                moved += 1
                #expect(before == "legacy" && after == "relay")
            }
        }
        #expect(moved > 0)
    }
}
