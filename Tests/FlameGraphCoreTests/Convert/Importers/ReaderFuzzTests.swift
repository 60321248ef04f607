import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// Every format through the one entry point, fed truncated, bit-flipped and random inputs: each either
/// decodes or throws a bad-input error — no crash, no hang, no unbounded allocation.
final class ReaderFuzzTests: XCTestCase {
    static func seeds() throws -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = [
            ("folded", Array("main;a;b 10\nmain;c 5\nmain;a 1.5\n".utf8)),
            ("diff-folded", Array("main;a 3 5\nmain;b 2 0\n".utf8)),
        ]
        var p = Profile()
        p.add(frames: ["main", "work & <stuff>", "leaf"], weight: 7)
        p.add(frames: ["main", "other"], weight: 3)
        seeds.append(("svg", try FlameGraphSVG.render(p, options: RenderOptions())))
        // inferno's frames, redrawn in its markup from the table of its expected SVG.
        let inferno = try PeerFrameTable.load("inferno/tests/data/flamegraph/options/default.frames.tsv")
        seeds.append(("inferno-svg", Array(inferno.svg().utf8)))
        return seeds
    }

    func check(_ bytes: [UInt8], _ format: ProfileFormat?, _ what: String) {
        do {
            let d = try ProfileReader.decode(bytes, format: format, sourceName: "fuzz")
            XCTAssertTrue(d.profile.totalWeight.isFinite, what)
        } catch let e as FlameGraphError {
            XCTAssertEqual(e.kind, .badInput, "\(what): \(e.message)")
            XCTAssertTrue(e.message.contains("fuzz"), "errors name the input: \(e.message)")
        } catch {
            XCTFail("\(what): unexpected error \(error)")
        }
    }

    func testTruncationsAndBitFlips() throws {
        var rng = SeededRandom(seed: 2024)
        for (name, seed) in try Self.seeds() {
            let step = max(1, seed.count / 200)
            for cut in stride(from: 0, to: seed.count, by: step) {
                check(Array(seed[..<cut]), nil, "\(name) cut at \(cut)")
            }
            for _ in 0..<300 {
                var flipped = seed
                let i = Int(rng.next() % UInt64(flipped.count))
                flipped[i] ^= UInt8(1 << (rng.next() % 8))
                check(flipped, nil, "\(name) flipped at \(i)")
            }
        }
    }

    func testRandomBytesInEveryForcedFormat() {
        var rng = SeededRandom(seed: 77)
        for format in ProfileFormat.allCases + [nil] {
            for n in [0, 1, 2, 7, 64, 1000, 20000] {
                let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                check(bytes, format, "\(format?.rawValue ?? "auto") random \(n)")
            }
        }
    }

    func testEmptyAndBlankInputsAreBadInput() {
        for text in ["", "\n\n", "   \t\n"] {
            XCTAssertThrowsError(try ProfileReader.decode(Array(text.utf8), sourceName: "blank")) { e in
                XCTAssertEqual((e as? FlameGraphError)?.kind, .badInput)
            }
        }
    }

    func testFoldedStacksStartingWithAnAngleBracketAreNotMarkup() throws {
        // py-spy writes Python's module frame as `<module>`: the first byte of the file is `<`.
        let text = "<module> (app.py:1);main (app.py:5) 7\n<module> (app.py:1);idle 3\n"
        let d = try ProfileReader.decode(Array(text.utf8), sourceName: "pyspy.folded")
        XCTAssertEqual(d.format, .folded)
        XCTAssertEqual(d.profile.totalWeight, 10)
        XCTAssertEqual(ProfileFormat.sniff(UnsafeRawBufferPointer(start: nil, count: 0)), nil)
    }
}
