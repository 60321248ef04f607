import FlameGraphCore
import FlameGraphTestSupport
import XCTest

/// Laws of the model, checked over many seeded random profiles.
final class ProfileLawTests: XCTestCase {
    static let alphabet = ["main", "a", "b", "parse", "parse.c", "x(y)", "std::vec<T>", "", "ä", "a b"]

    static func randomProfile(_ rng: inout SeededRandom, stacks: Int = 60) -> Profile {
        var p = Profile()
        for _ in 0..<stacks {
            let depth = Int(rng.next() % 7) + 1
            var frames = (0..<depth).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            // A folded line cannot start with a blank: a lone empty root frame would not read back.
            if frames[0].isEmpty { frames[0] = "root" }
            p.add(frames: frames, weight: Double(rng.next() % 50 + 1))
        }
        return p
    }

    func testParseOfWriteRoundTrips() {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<200 {
            let p = Self.randomProfile(&rng)
            let text = FoldedWriter.write(p)
            let again = FoldedWriter.write(FoldedParser.parse(text).profile)
            XCTAssertEqual(String(decoding: again, as: UTF8.self), String(decoding: text, as: UTF8.self))
        }
    }

    func testLayoutParentsAreAtLeastAsWideAsTheirChildrenAndTotalsArePreserved() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<200 {
            let p = Self.randomProfile(&rng)
            let layout = FlameLayoutBuilder.layout(p, minWidth: 0)
            XCTAssertEqual(layout.total, p.totalWeight)
            XCTAssertEqual(layout.frames.first?.width, p.totalWeight)
            var childSum: [Int32: Double] = [:]
            var byNode: [Int32: LaidOutFrame] = [:]
            for f in layout.frames { byNode[f.node] = f }
            for f in layout.frames where f.node != 0 {
                let parent = p.parent[Int(f.node)]
                childSum[parent, default: 0] += f.width
                let pf = byNode[parent]!
                XCTAssertGreaterThanOrEqual(f.start, pf.start)
                XCTAssertLessThanOrEqual(f.start + f.width, pf.start + pf.width + 1e-9)
                XCTAssertEqual(f.depth, pf.depth + 1)
            }
            for (parent, sum) in childSum {
                XCTAssertGreaterThanOrEqual(byNode[parent]!.width + 1e-9, sum)
            }
        }
    }

    func testMergeIsAssociativeAndCommutativeOnTheFoldedForm() {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<100 {
            let a = Self.randomProfile(&rng, stacks: 20)
            let b = Self.randomProfile(&rng, stacks: 20)
            let c = Self.randomProfile(&rng, stacks: 20)
            var ab = a
            ab.merge(b)
            var abc1 = ab
            abc1.merge(c)
            var bc = b
            bc.merge(c)
            var abc2 = a
            abc2.merge(bc)
            XCTAssertEqual(foldedText(abc1), foldedText(abc2))
            var ba = b
            ba.merge(a)
            XCTAssertEqual(foldedText(ab), foldedText(ba))
        }
    }

    func testReverseTwiceIsIdentity() {
        var rng = SeededRandom(seed: 5)
        for _ in 0..<100 {
            let p = Self.randomProfile(&rng)
            XCTAssertEqual(foldedText(p.reversed().reversed()), foldedText(p))
        }
    }

    func testEmbeddedStacksReadBackExactly() throws {
        var rng = SeededRandom(seed: 11)
        for _ in 0..<50 {
            let p = Self.randomProfile(&rng)
            var options = RenderOptions()
            options.minWidth = .percent(5)  // prune: the embedded stacks must still hold everything
            let svg = try FlameGraphSVG.render(p, options: options)
            let back = try ProfileReader.decode(svg, sourceName: "t.svg")
            XCTAssertEqual(back.format, .svg)
            XCTAssertEqual(foldedText(back.profile), foldedText(p))
        }
    }

    func testMinWidthPrunesNarrowFramesButKeepsTheRest() {
        var p = Profile()
        p.add(frames: ["main", "big"], weight: 990)
        p.add(frames: ["main", "tiny"], weight: 1)
        let all = FlameLayoutBuilder.layout(p, minWidth: 0)
        let pruned = FlameLayoutBuilder.layout(p, minWidth: 2)
        XCTAssertEqual(all.frames.count, 4)
        XCTAssertEqual(pruned.frames.count, 3)
        XCTAssertFalse(
            pruned.frames.contains { p.names.string(p.name[Int(max($0.node, 1))]) == "tiny" && $0.node != 0 })
    }
}
