import FlameGraphTestSupport
import XCTest

@testable import FlameGraphCore

/// speedscope decoding on small hand-written inputs, compared as exact folded text.
final class ImportersSpeedscopeTests: XCTestCase {
    typealias P = ImporterChecks

    func decode(_ json: String, _ options: SpeedscopeOptions = SpeedscopeOptions()) throws -> (Profile, Diagnostics) {
        try SpeedscopeDecoder.decode(Array(json.utf8), sourceName: "in.json", options: options)
    }

    func folded(_ json: String, _ options: SpeedscopeOptions = SpeedscopeOptions()) throws -> String {
        foldedText(try decode(json, options).0)
    }

    func message(_ json: String) -> String {
        P.badInputMessage { _ = try self.decode(json) }
    }

    static let frames = """
        "shared":{"frames":[
          {"name":"main","file":"/srv/app/main.py","line":3},
          {"name":"work","file":"C:\\\\src\\\\work.py","line":10,"col":4},
          {"name":"leaf","file":"lib.py"},
          {"name":"native;call\\nx"}
        ]}
        """

    func file(_ profiles: String) -> String {
        "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\(Self.frames),\"profiles\":[\(profiles)]}"
    }

    func sampled(_ unit: String, name: String = "Thread 1", samples: String, weights: String) -> String {
        "{\"type\":\"sampled\",\"name\":\"\(name)\",\"unit\":\"\(unit)\",\"startValue\":0,\"endValue\":10,\"samples\":\(samples),\"weights\":\(weights)}"
    }

    func evented(_ unit: String, name: String = "Thread 2", end: Double = 10, events: [(String, Double, Int)]) -> String
    {
        let list = events.map { "{\"type\":\"\($0.0)\",\"at\":\($0.1),\"frame\":\($0.2)}" }.joined(separator: ",")
        return
            "{\"type\":\"evented\",\"name\":\"\(name)\",\"unit\":\"\(unit)\",\"startValue\":0,\"endValue\":\(end),\"events\":[\(list)]}"
    }

    func testSampledFramesNamesAndWeights() throws {
        let (profile, diagnostics) = try decode(
            file(sampled("microseconds", samples: "[[0,1],[0,1,2],[0,1],[3],[0]]", weights: "[5,7,5,1,2]")))
        XCTAssertEqual(profile.unit, .microseconds)
        XCTAssertEqual(diagnostics.warnings, [])
        XCTAssertEqual(
            foldedText(profile),
            """
            main (main.py:3) 2
            main (main.py:3);work (work.py:10) 10
            main (main.py:3);work (work.py:10);leaf (lib.py) 7
            native:call x 1

            """)
    }

    func testEventedStacksWeighTheTimeBetweenEvents() throws {
        // main 0–10, work 2–5 and 6–8, leaf 3–4.
        let events: [(String, Double, Int)] = [
            ("O", 0, 0), ("O", 2, 1), ("O", 3, 2), ("C", 4, 2), ("C", 5, 1), ("O", 6, 1), ("C", 8, 1), ("C", 10, 0),
        ]
        let (profile, diagnostics) = try decode(file(evented("milliseconds", events: events)))
        XCTAssertEqual(profile.unit, .microseconds)
        XCTAssertEqual(diagnostics.warnings, [])
        XCTAssertEqual(
            foldedText(profile),
            """
            main (main.py:3) 5000
            main (main.py:3);work (work.py:10) 4000
            main (main.py:3);work (work.py:10);leaf (lib.py) 1000

            """)
    }

    func testUnbalancedEventsAreDiagnosedNotFatal() throws {
        let events: [(String, Double, Int)] = [
            ("C", 0, 3),  // never opened
            ("O", 1, 0), ("O", 2, 1), ("O", 3, 2),
            ("C", 4, 1),  // closes work with leaf still open inside it
            ("O", 5, 1),  // left open, as is main
        ]
        let (profile, diagnostics) = try decode(file(evented("none", end: 9, events: events)))
        XCTAssertEqual(profile.unit, .samples)
        XCTAssertEqual(
            foldedText(profile),
            """
            main (main.py:3) 2
            main (main.py:3);work (work.py:10) 5
            main (main.py:3);work (work.py:10);leaf (lib.py) 1

            """)
        XCTAssertEqual(diagnostics.warnings.count, 3, "\(diagnostics.warnings)")
        XCTAssertTrue(diagnostics.warnings.contains { $0.contains("leaves 2 frames open") }, "\(diagnostics.warnings)")
        XCTAssertTrue(diagnostics.warnings.contains { $0.contains("1 close events for frames that were not open") })
        XCTAssertTrue(diagnostics.warnings.contains { $0.contains("closes frames out of order") })
    }

    func testUnits() throws {
        func unitAndTotal(_ unit: String) throws -> (WeightUnit, Double) {
            let (p, _) = try decode(file(sampled(unit, samples: "[[0],[0]]", weights: "[0.25,1.5]")))
            return (p.unit, p.totalWeight)
        }
        XCTAssertTrue(try unitAndTotal("nanoseconds") == (.nanoseconds, 1.75))
        XCTAssertTrue(try unitAndTotal("microseconds") == (.microseconds, 1.75))
        XCTAssertTrue(try unitAndTotal("milliseconds") == (.microseconds, 1750))
        XCTAssertTrue(try unitAndTotal("seconds") == (.microseconds, 1_750_000))
        XCTAssertTrue(try unitAndTotal("bytes") == (.bytes, 1.75))
        XCTAssertTrue(try unitAndTotal("none") == (.samples, 1.75))
        XCTAssertTrue(
            message(file(sampled("parsecs", samples: "[[0]]", weights: "[1]"))).contains("unknown unit \"parsecs\""))
    }

    func testSecondsBecomeWholeMicroseconds() throws {
        // py-spy writes 1/rate seconds per sample: 0.005 s must read 5000, not 5000.000000000001.
        let (p, _) = try decode(file(sampled("seconds", samples: "[[0],[0],[0]]", weights: "[0.005,0.005,0.001]")))
        XCTAssertEqual(foldedText(p), "main (main.py:3) 11000\n")
    }

    func testSeveralProfilesMergeAndDisagreeingUnitsWarn() throws {
        let a = sampled("milliseconds", name: "Thread A", samples: "[[0,1]]", weights: "[2]")
        let b = evented("microseconds", name: "Thread B", events: [("O", 0, 0), ("C", 500, 0)])
        let (profile, diagnostics) = try decode(file(a + "," + b))
        XCTAssertEqual(profile.unit, .microseconds)
        XCTAssertEqual(foldedText(profile), "main (main.py:3) 500\nmain (main.py:3);work (work.py:10) 2000\n")
        XCTAssertEqual(diagnostics.warnings.count, 1)
        XCTAssertTrue(diagnostics.warnings[0].contains("different units (milliseconds, microseconds)"))

        let c = sampled("bytes", name: "Heap", samples: "[[2]]", weights: "[64]")
        let (mixed, warnings) = try decode(file(a + "," + c))
        XCTAssertEqual(mixed.unit, .microseconds)
        XCTAssertEqual(foldedText(mixed), "leaf (lib.py) 64\nmain (main.py:3);work (work.py:10) 2000\n")
        XCTAssertTrue(warnings.warnings[0].contains("added as they are"))
    }

    func testPrefixProfileName() throws {
        let a = sampled("none", name: "Thread 7 \\\"Main;Thread\\\"", samples: "[[0,1]]", weights: "[2]")
        let b = sampled("none", name: "", samples: "[[0]]", weights: "[1]")
        var options = SpeedscopeOptions()
        options.prefixProfileName = true
        XCTAssertEqual(
            try folded(file(a + "," + b), options),
            """
            Thread 7 "Main:Thread";main (main.py:3);work (work.py:10) 2
            profile 1;main (main.py:3) 1

            """)
    }

    func testUnknownProfileTypesAreSkipped() throws {
        let odd = "{\"type\":\"flame\",\"unit\":\"bytes\"}"
        let (profile, diagnostics) = try decode(file(odd + "," + sampled("none", samples: "[[0]]", weights: "[1]")))
        XCTAssertEqual(foldedText(profile), "main (main.py:3) 1\n")
        XCTAssertEqual(profile.unit, .samples, "the unit comes from the first profile read")
        XCTAssertEqual(diagnostics.warnings.count, 1)
        XCTAssertTrue(diagnostics.warnings[0].contains("unknown type \"flame\""))
    }

    func testErrors() {
        var m = message(file(sampled("none", samples: "[[0,9]]", weights: "[1]")))
        XCTAssertEqual(m, "in.json: speedscope: profiles[0].samples[0] references unknown frame 9 (there are 4 frames)")
        m = message(file(sampled("none", samples: "[[0],[1]]", weights: "[1]")))
        XCTAssertTrue(m.contains("profiles[0] has 2 samples but 1 weights"), m)
        m = message(file(sampled("none", samples: "[[0]]", weights: "[-1]")))
        XCTAssertTrue(m.contains("weights[0] is negative"), m)
        m = message(file(evented("none", events: [("O", 5, 0), ("C", 4, 0)])))
        XCTAssertTrue(m.contains("profiles[0].events[1] goes back in time (at 4 after 5)"), m)
        m = message(file(evented("none", events: [("X", 5, 0)])))
        XCTAssertTrue(m.contains("not \"O\" or \"C\""), m)
        m = message("{\"profiles\":[]}")
        XCTAssertTrue(m.contains("no \"shared\" object"), m)
        m = message(file(""))
        XCTAssertTrue(m.contains("holds no samples"), m)
        m = message(
            file(sampled("none", samples: "[[0]]", weights: "[1]")).replacingOccurrences(
                of: "{\"name\":\"main\"", with: "{\"nom\":\"main\""))
        XCTAssertTrue(m.contains("shared.frames[0] has no name"), m)
        m = message("{\"shared\":{\"frames\":[]},\"profiles\":[{\"type\":\"sampled\"")
        XCTAssertTrue(m.hasPrefix("in.json: speedscope: malformed JSON: "), m)
        XCTAssertTrue(m.hasSuffix("(truncated?) at byte 53"), m)
    }

    func testPySpyFixture() throws {
        let bytes = try Fixtures.bytes("importers/py-spy-workload.speedscope.json")
        let (profile, diagnostics) = try SpeedscopeDecoder.decode(
            bytes, sourceName: "py-spy-workload.speedscope.json", options: SpeedscopeOptions())
        XCTAssertEqual(diagnostics.warnings, [])
        XCTAssertEqual(profile.unit, .microseconds)
        // 99 samples at 100 Hz: 10 ms each.
        XCTAssertEqual(profile.totalWeight, 990_000)
        XCTAssertEqual(
            foldedText(profile),
            """
            <module> (workload.py:14);hot (workload.py:5) 690000
            <module> (workload.py:14);warm (workload.py:9) 300000

            """)
    }

    /// pyinstrument writes *evented* profiles: the `<module>` frame stays open from the first event to
    /// the last, so the total is that span.
    func testPyinstrumentFixture() throws {
        let bytes = try Fixtures.bytes("importers/pyinstrument-workload.speedscope.json")
        let (profile, diagnostics) = try SpeedscopeDecoder.decode(
            bytes, sourceName: "pyinstrument", options: SpeedscopeOptions())
        XCTAssertEqual(diagnostics.warnings, [])
        XCTAssertEqual(profile.unit, .microseconds)
        try P.checkEventedSpan(bytes, profile)
        let hot = weightShare(profile) { $0 == "hot (pyinstrument-workload.py:2)" }
        XCTAssertGreaterThan(hot, 0.5, foldedText(profile))
    }
}
