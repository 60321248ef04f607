import FlameGraphTestSupport
import XCTest

@testable import FlameGraphCore

/// Broken inputs never crash or hang a JSON importer: each one either decodes or throws a bad-input
/// `FlameGraphError`.
final class ImportersRobustnessTests: XCTestCase {
    typealias P = ImporterChecks

    enum Decoder: CaseIterable {
        case cpuprofile, cpuprofileByTime, speedscope, speedscopePrefixed

        func decode(_ bytes: [UInt8]) throws {
            switch self {
            case .cpuprofile:
                _ = try CPUProfileDecoder.decode(bytes, sourceName: "x", options: CPUProfileOptions())
            case .cpuprofileByTime:
                _ = try CPUProfileDecoder.decode(
                    bytes, sourceName: "x", options: CPUProfileOptions(weightByTime: true, dropIdle: true))
            case .speedscope:
                _ = try SpeedscopeDecoder.decode(bytes, sourceName: "x", options: SpeedscopeOptions())
            case .speedscopePrefixed:
                _ = try SpeedscopeDecoder.decode(
                    bytes, sourceName: "x", options: SpeedscopeOptions(prefixProfileName: true))
            }
        }
    }

    func fixtures() throws -> [(String, [UInt8], [Decoder])] {
        [
            (
                "node-workload.cpuprofile", try Fixtures.bytes("importers/node-workload.cpuprofile"),
                [.cpuprofile, .cpuprofileByTime]
            ),
            (
                "deno-workload.cpuprofile", try Fixtures.bytes("importers/deno-workload.cpuprofile"),
                [.cpuprofile, .cpuprofileByTime]
            ),
            (
                "bun-workload.cpuprofile", try Fixtures.bytes("importers/bun-workload.cpuprofile"),
                [.cpuprofile, .cpuprofileByTime]
            ),
            (
                "py-spy-workload.speedscope.json", try Fixtures.bytes("importers/py-spy-workload.speedscope.json"),
                [.speedscope, .speedscopePrefixed]
            ),
            ("hand-written cpuprofile", Array(ImportersCPUProfileTests.basic.utf8), [.cpuprofile, .cpuprofileByTime]),
        ]
    }

    func check(_ bytes: [UInt8], _ decoders: [Decoder], _ context: @autoclosure () -> String) {
        for d in decoders {
            P.assertBadInputOrSuccess({ try d.decode(bytes) }, "\(context()) [\(d)]")
        }
    }

    func testTruncatedAtEveryTenth() throws {
        for (name, bytes, decoders) in try fixtures() {
            for tenth in 0..<10 {
                let cut = bytes.count * tenth / 10
                let prefix = Array(bytes[..<cut])
                for d in decoders {
                    let m = P.badInputMessage { try d.decode(prefix) }
                    XCTAssertTrue(m.contains("malformed JSON"), "\(name) cut at \(cut) [\(d)]: \(m)")
                }
            }
        }
    }

    func testTruncatedAtEveryByteOfASmallInput() {
        let bytes = Array(ImportersCPUProfileTests.basic.utf8)
        for cut in 0..<bytes.count {
            check(Array(bytes[..<cut]), Decoder.allCases, "cut at \(cut)")
        }
    }

    func testBitFlips() throws {
        var random = SeededRandom(seed: 0xF1A3E)
        for (name, bytes, decoders) in try fixtures() {
            for round in 0..<300 {
                var mutated = bytes
                for _ in 0..<(1 + round % 3) {
                    let k = random.below(mutated.count)
                    mutated[k] ^= UInt8(1) << UInt8(random.below(8))
                }
                check(mutated, decoders, "\(name) bit flip round \(round)")
            }
        }
    }

    func testByteMutationsThatKeepJSONValid() throws {
        // Replace digits with other digits: the JSON stays well-formed while ids, counts and times go
        // wrong — the structural checks must catch what matters.
        var random = SeededRandom(seed: 42)
        for (name, bytes, decoders) in try fixtures() {
            let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
            for round in 0..<300 {
                var mutated = bytes
                for _ in 0..<(1 + round % 4) {
                    mutated[digits[random.below(digits.count)]] = UInt8(0x30 + random.below(10))
                }
                check(mutated, decoders, "\(name) digit round \(round)")
            }
        }
    }

    func testRandomBytes() {
        var random = SeededRandom(seed: 7)
        for round in 0..<300 {
            let length = random.below(400)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Some start like JSON so that they get further in.
            if round % 2 == 0 && !bytes.isEmpty { bytes[0] = UInt8(ascii: "{") }
            check(bytes, Decoder.allCases, "random round \(round)")
        }
    }

    func testPathologicalShapes() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepObjects = String(repeating: "{\"a\":", count: 50_000)
        let cases = [
            "", " ", "\u{FEFF}", "null", "0", "\"x\"", "{}", "[]", deep, deepObjects,
            "{\"nodes\":[]}", "{\"nodes\":{}}", "{\"nodes\":[null]}", "{\"nodes\":[{}]}",
            "{\"nodes\":[{\"id\":1e300,\"callFrame\":{}}],\"samples\":[1e300]}",
            "{\"nodes\":[{\"id\":1,\"callFrame\":{}}],\"samples\":[1],\"timeDeltas\":[1e308],\"startTime\":0,\"endTime\":1}",
            "{\"nodes\":[{\"id\":1,\"callFrame\":{}}],\"samples\":[1,1],\"timeDeltas\":[-1e11,-1e11]}",
            "{\"nodes\":[{\"id\":1,\"callFrame\":{}}],\"samples\":[1],\"timeDeltas\":[1e999]}",
            "{\"profile\":{\"profile\":{}}}", "{\"head\":{}}", "{\"head\":[]}",
            "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\",\"events\":[{\"type\":\"C\",\"at\":0,\"frame\":0}]}]}",
            "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"evented\",\"events\":[{\"type\":\"O\",\"at\":1e308,\"frame\":0},{\"type\":\"O\",\"at\":1e308,\"frame\":0}]}]}",
            "{\"shared\":{\"frames\":[{\"name\":\"a\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0,0,0]],\"weights\":[1e308]}]}",
            "{\"shared\":{\"frames\":[{\"name\":\"a\\ud800\\udc00\\ud800\"}]},\"profiles\":[{\"type\":\"sampled\",\"samples\":[[0]],\"weights\":[1]}]}",
            "{\"a\":\"\\u12\"}", "{\"a\":\"\\x\"}", "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":1e}", "[1,]",
            "{,}",
            "{\"a\":1}}", "{\"a\" 1}", "tru", "nul", "\"\u{01}\"",
        ]
        for c in cases {
            check(Array(c.utf8), Decoder.allCases, "input \(c.prefix(60))")
        }
        // A long chain of nodes: deep stacks are walked without recursion.
        var nodes: [String] = []
        let depth = 20_000
        for id in 1...depth {
            nodes.append(
                "{\"id\":\(id),\"callFrame\":{\"functionName\":\"f\(id % 7)\",\"url\":\"\"},\"children\":[\(id < depth ? "\(id + 1)" : "")]}"
            )
        }
        let chain = "{\"nodes\":[\(nodes.joined(separator: ","))],\"samples\":[\(depth),\(depth / 2)]}"
        XCTAssertNoThrow(
            try {
                let (p, _) = try CPUProfileDecoder.decode(
                    Array(chain.utf8), sourceName: "chain", options: CPUProfileOptions())
                XCTAssertEqual(p.totalWeight, 2)
                XCTAssertEqual(p.depth.max(), Int32(depth))
            }())
    }

    func testUnbalancedEventsStayLinear() throws {
        // 100k frames opened, then 100k closes of a frame that is not open: a search down the open
        // stack for each close would take 10^10 steps.
        let n = 100_000
        var events: [String] = []
        events.reserveCapacity(2 * n)
        for k in 0..<n { events.append("{\"type\":\"O\",\"at\":\(k),\"frame\":0}") }
        for k in 0..<n { events.append("{\"type\":\"C\",\"at\":\(n + k),\"frame\":1}") }
        let json = """
            {"shared":{"frames":[{"name":"a"},{"name":"b"}]},"profiles":[{"type":"evented","unit":"none",\
            "startValue":0,"endValue":\(2 * n),"events":[\(events.joined(separator: ","))]}]}
            """
        let started = Date()
        let (profile, diagnostics) = try SpeedscopeDecoder.decode(
            Array(json.utf8), sourceName: "x", options: SpeedscopeOptions())
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(profile.totalWeight, Double(2 * n))  // open from 0 to endValue
        XCTAssertEqual(diagnostics.warnings.count, 2, "\(diagnostics.warnings)")
    }

    func testJSONReaderBasics() throws {
        let v = try JSONImport.parse(
            Array(
                "\u{FEFF} {\"a\": [1, -2.5e2, 0], \"b\": [\"x\\n\\u00e9\\ud83d\\ude00\", true, null], \"a\": {} } ".utf8
            ))
        guard case .object(let o) = v else { return XCTFail("not an object") }
        XCTAssertNotNil(o["a"]?.object, "the last duplicate key wins")
        XCTAssertEqual(o["b"]?.array?.first?.string, "x\né😀")
        let n = try JSONImport.parse(Array("[1, -2.5e2, 0, 12345678901234567890]".utf8))
        XCTAssertEqual(n.numbers, [1, -250, 0, 12_345_678_901_234_567_890])
        XCTAssertThrowsError(try JSONImport.parse(Array("[1] x".utf8)))
        do {
            _ = try JSONImport.parse(Array("{\"a\": [1, 2,, 3]}".utf8))
            XCTFail("accepted ,,")
        } catch {
            XCTAssertEqual(error.offset, 12)  // the second comma
        }
    }
}
