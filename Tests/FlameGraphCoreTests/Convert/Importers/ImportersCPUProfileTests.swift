import FlameGraphTestSupport
import XCTest

@testable import FlameGraphCore

/// `.cpuprofile` decoding on small hand-written inputs, compared as exact folded text.
final class ImportersCPUProfileTests: XCTestCase {
    typealias P = ImporterChecks

    func decode(_ json: String, _ options: CPUProfileOptions = CPUProfileOptions()) throws -> (Profile, Diagnostics) {
        try CPUProfileDecoder.decode(Array(json.utf8), sourceName: "in.cpuprofile", options: options)
    }

    func folded(_ json: String, _ options: CPUProfileOptions = CPUProfileOptions()) throws -> String {
        foldedText(try decode(json, options).0)
    }

    func message(_ json: String, _ options: CPUProfileOptions = CPUProfileOptions()) -> String {
        P.badInputMessage { _ = try self.decode(json, options) }
    }

    /// (root) → (program); (root) → main → foo; (root) → (garbage collector); (root) → (idle).
    static let basic = """
        {"nodes":[
          {"id":1,"callFrame":{"functionName":"(root)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"hitCount":0,"children":[2,3,5,6]},
          {"id":2,"callFrame":{"functionName":"(program)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"hitCount":1},
          {"id":3,"callFrame":{"functionName":"main","scriptId":"7","url":"file:///srv/app/app.js","lineNumber":0,"columnNumber":0},"hitCount":1,"children":[4]},
          {"id":4,"callFrame":{"functionName":"foo","scriptId":"7","url":"file:///srv/app/app.js","lineNumber":9,"columnNumber":2},"hitCount":2},
          {"id":5,"callFrame":{"functionName":"(garbage collector)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"hitCount":1},
          {"id":6,"callFrame":{"functionName":"(idle)","scriptId":"0","url":"","lineNumber":-1,"columnNumber":-1},"hitCount":1}
        ],
        "startTime":1000,"endTime":1300,
        "samples":[2,3,4,4,5,6],
        "timeDeltas":[100,10,20,30,40,50]}
        """

    func testCountsSamplesAndNamesFrames() throws {
        let (profile, diagnostics) = try decode(Self.basic)
        XCTAssertEqual(profile.unit, .samples)
        XCTAssertEqual(profile.totalWeight, 6)
        XCTAssertEqual(diagnostics.warnings, [])
        XCTAssertEqual(
            foldedText(profile),
            """
            (garbage collector) 1
            (idle) 1
            (program) 1
            main (app.js:1) 1
            main (app.js:1);foo (app.js:10) 2

            """)
    }

    func testWeightByTimeAttributesTheNextDeltaAndTheTailToEndTime() throws {
        var options = CPUProfileOptions()
        options.weightByTime = true
        let (profile, _) = try decode(Self.basic, options)
        XCTAssertEqual(profile.unit, .microseconds)
        // Timestamps (from startTime): 100 110 130 160 200 250; endTime is 300 after startTime.
        XCTAssertEqual(
            foldedText(profile),
            """
            (garbage collector) 50
            (idle) 50
            (program) 10
            main (app.js:1) 20
            main (app.js:1);foo (app.js:10) 70

            """)
        // Everything but the gap before the first sample.
        XCTAssertEqual(profile.totalWeight, 300 - 100)
    }

    func testLastSampleGetsTheMeanIntervalWithoutEndTime() throws {
        let json = Self.basic.replacingOccurrences(of: "\"endTime\":1300,", with: "")
        var options = CPUProfileOptions()
        options.weightByTime = true
        let (profile, _) = try decode(json, options)
        // Intervals 10 20 30 40 50 → mean 30 for the last sample, (idle).
        XCTAssertTrue(foldedText(profile).contains("(idle) 30\n"), foldedText(profile))
    }

    func testDropIdle() throws {
        var options = CPUProfileOptions()
        options.dropIdle = true
        XCTAssertEqual(
            try folded(Self.basic, options),
            """
            main (app.js:1) 1
            main (app.js:1);foo (app.js:10) 2

            """)
    }

    func testDevToolsProtocolWrappers() throws {
        let expected = try folded(Self.basic)
        XCTAssertEqual(try folded("{\"profile\":\(Self.basic)}"), expected)
        XCTAssertEqual(try folded("{\"id\":7,\"result\":{\"profile\":\(Self.basic)}}"), expected)
    }

    func testParentLinksInsteadOfChildren() throws {
        // Bun and older producers: each node names its parent.
        let json = """
            {"nodes":[
              {"id":3,"parent":1,"callFrame":{"functionName":"main","url":"/srv/app/app.js","lineNumber":0}},
              {"id":1,"callFrame":{"functionName":"(root)","url":"","lineNumber":-1}},
              {"id":4,"parent":3,"callFrame":{"functionName":"","url":"/srv/app/app.js","lineNumber":4}}
            ],"samples":[4,3,4],"timeDeltas":[1,1,1],"startTime":0,"endTime":4}
            """
        XCTAssertEqual(
            try folded(json),
            """
            main (app.js:1) 1
            main (app.js:1);(anonymous) (app.js:5) 2

            """)
    }

    func testHitCountsWhenThereAreNoSamples() throws {
        let json = """
            {"nodes":[
              {"id":1,"callFrame":{"functionName":"(root)","url":""},"hitCount":0,"children":[2]},
              {"id":2,"callFrame":{"functionName":"work","url":"https://example.com/js/app.min.js?v=3","lineNumber":0},"hitCount":5,"children":[3]},
              {"id":3,"callFrame":{"functionName":"readFile","url":"node:fs","lineNumber":-1},"hitCount":2}
            ],"startTime":0,"endTime":10}
            """
        XCTAssertEqual(
            try folded(json),
            """
            work (app.min.js:1) 5
            work (app.min.js:1);readFile (node:fs) 2

            """)
    }

    func testNamesAreMadeFoldedSafe() throws {
        let json = """
            {"nodes":[
              {"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2]},
              {"id":2,"callFrame":{"functionName":"a;b\\nc\\r","url":"file:///x/we;ird.js","lineNumber":2}}
            ],"samples":[2]}
            """
        XCTAssertEqual(try folded(json), "a:b c  (we:ird.js:3) 1\n")
    }

    func testNullFieldsReadAsAbsent() throws {
        let json = """
            {"nodes":[
              {"id":1,"callFrame":{"functionName":"(root)","url":null},"children":[2]},
              {"id":2,"callFrame":{"functionName":null,"url":null,"lineNumber":null}}
            ],"samples":[2]}
            """
        XCTAssertEqual(try folded(json), "(anonymous) 1\n")
    }

    func testOldNestedHeadForm() throws {
        let json = """
            {"head":{"functionName":"(root)","url":"","lineNumber":0,"id":1,"hitCount":0,"children":[
              {"functionName":"main","url":"app.js","lineNumber":1,"id":2,"hitCount":3,"children":[
                {"functionName":"leaf","url":"app.js","lineNumber":7,"id":3,"hitCount":1,"children":[]}]}]},
             "startTime":1.0,"endTime":2.0}
            """
        XCTAssertEqual(
            try folded(json),
            """
            main (app.js:2) 3
            main (app.js:2);leaf (app.js:8) 1

            """)
    }

    func testOutOfOrderSamplesAreReadInTimestampOrder() throws {
        let json = """
            {"nodes":[
              {"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2,3]},
              {"id":2,"callFrame":{"functionName":"a","url":""}},
              {"id":3,"callFrame":{"functionName":"b","url":""}}
            ],"startTime":0,"endTime":100,"samples":[2,3,2],"timeDeltas":[10,20,-5]}
            """
        var options = CPUProfileOptions()
        options.weightByTime = true
        options.keepSequence = true
        let (profile, diagnostics) = try decode(json, options)
        // Timestamps 10 (a), 30 (b), 25 (a) → order a@10, a@25, b@30: weights 15, 5, 70.
        XCTAssertEqual(foldedText(profile), "a 20\nb 70\n")
        XCTAssertEqual(profile.sequence?.map(\.weight), [15, 5, 70])
        XCTAssertEqual(diagnostics.warnings.count, 1)
        XCTAssertTrue(diagnostics.warnings[0].contains("out of order"), diagnostics.warnings[0])
    }

    func testKeepSequenceKeepsSampleOrder() throws {
        var options = CPUProfileOptions()
        options.keepSequence = true
        let (profile, _) = try decode(Self.basic, options)
        let names = profile.sequence!.map { profile.frames($0.node).last! }
        XCTAssertEqual(
            names,
            ["(program)", "main (app.js:1)", "foo (app.js:10)", "foo (app.js:10)", "(garbage collector)", "(idle)"])
    }

    func testWeightByTimeWithoutDeltasWarnsAndCounts() throws {
        let json = """
            {"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2]},
                      {"id":2,"callFrame":{"functionName":"a","url":""}}],"samples":[2,2]}
            """
        var options = CPUProfileOptions()
        options.weightByTime = true
        let (profile, diagnostics) = try decode(json, options)
        XCTAssertEqual(profile.unit, .samples)
        XCTAssertEqual(foldedText(profile), "a 2\n")
        XCTAssertEqual(diagnostics.warnings.count, 1)
    }

    func testSamplesInTheRootItselfAreLeftOutWithAWarning() throws {
        let json = """
            {"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2]},
                      {"id":2,"callFrame":{"functionName":"a","url":""}}],"samples":[1,2]}
            """
        let (profile, diagnostics) = try decode(json)
        XCTAssertEqual(foldedText(profile), "a 1\n")
        XCTAssertEqual(diagnostics.warnings.count, 1)
    }

    // MARK: Errors

    func testErrorsNameSourceFormatAndPlace() {
        var m = message("{\"nodes\": [")
        XCTAssertTrue(m.hasPrefix("in.cpuprofile: cpuprofile: malformed JSON: "), m)
        XCTAssertTrue(m.contains("at byte 11"), m)

        m = message(
            Self.basic.replacingOccurrences(of: "\"samples\":[2,3,4,4,5,6]", with: "\"samples\":[2,3,99,4,5,6]"))
        XCTAssertEqual(m, "in.cpuprofile: cpuprofile: sample 2 references unknown node id 99")

        m = message("[1,2]")
        XCTAssertTrue(m.contains("not an object"), m)

        m = message("{\"traceEvents\":[]}")
        XCTAssertTrue(m.contains("Chrome trace"), m)
        m = message("[{\"ph\":\"X\",\"name\":\"a\"}]")
        XCTAssertTrue(m.contains("Chrome trace"), m)

        m = message("{\"foo\":1}")
        XCTAssertTrue(m.contains("no \"nodes\" array"), m)
    }

    func testStructuralErrors() {
        let root = "{\"id\":1,\"callFrame\":{\"functionName\":\"(root)\",\"url\":\"\"}"
        func nodes(_ list: String, samples: String = "[1]") -> String {
            "{\"nodes\":[\(list)],\"samples\":\(samples)}"
        }
        // A cycle through parent links, and one through children.
        XCTAssertTrue(
            message(nodes("\(root)},{\"id\":2,\"parent\":3,\"callFrame\":{}},{\"id\":3,\"parent\":2,\"callFrame\":{}}"))
                .contains("cycle in parent links at node id"))
        XCTAssertTrue(
            message(nodes("{\"id\":2,\"parent\":2,\"callFrame\":{}}", samples: "[2]")).contains(
                "cycle in parent links at node id 2"))
        XCTAssertTrue(
            message(
                nodes(
                    "\(root),\"children\":[2,3]},{\"id\":2,\"callFrame\":{},\"children\":[3]},{\"id\":3,\"callFrame\":{}}"
                )
            )
            .contains("node id 3 has two parents"))
        XCTAssertTrue(message(nodes("\(root)},\(root)}")).contains("node id 1 appears twice"))
        XCTAssertTrue(message(nodes("\(root),\"children\":[5]}")).contains("node id 1 lists unknown child id 5"))
        XCTAssertTrue(message(nodes("\(root),\"parent\":9}")).contains("node id 1 names unknown parent id 9"))
        XCTAssertTrue(message(nodes("\(root),\"hitCount\":-1}")).contains("hitCount"))
        XCTAssertTrue(message(nodes("{\"id\":-4,\"callFrame\":{}}")).contains("nodes[0].id is out of range"))
        XCTAssertTrue(message(nodes("{\"id\":1.5,\"callFrame\":{}}")).contains("not an integer"))
        XCTAssertTrue(message(nodes("{\"id\":1}")).contains("node id 1 has no callFrame"))
        XCTAssertTrue(message(nodes("\(root)}", samples: "[1.5]")).contains("sample 0 references unknown node id 1.5"))
        XCTAssertTrue(message(nodes("\(root)}", samples: "[]")).contains("holds no samples"))
        XCTAssertTrue(message(nodes("\(root)}", samples: "[\"x\"]")).contains("\"samples\" is not an array"))
    }

    func testAbsurdTimes() {
        var options = CPUProfileOptions()
        options.weightByTime = true
        XCTAssertTrue(
            message(Self.basic.replacingOccurrences(of: "\"endTime\":1300", with: "\"endTime\":900"), options)
                .contains("endTime (900) is before startTime (1000)"))
        XCTAssertTrue(
            message(
                Self.basic.replacingOccurrences(of: "[100,10,20,30,40,50]", with: "[100,10,2e15,30,40,50]"), options
            )
            .contains("timeDeltas[2] is absurd"))
        XCTAssertTrue(
            message(Self.basic.replacingOccurrences(of: "[100,10,20,30,40,50]", with: "[100,10,20]"), options)
                .contains("\"timeDeltas\" has 3 entries but \"samples\" has 6"))
        XCTAssertTrue(
            message(Self.basic.replacingOccurrences(of: "\"startTime\":1000", with: "\"startTime\":-5"), options)
                .contains("startTime is out of range"))
    }

    func testAllIdleWithDropIdleIsAnError() {
        let json = """
            {"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""},"children":[2]},
                      {"id":2,"callFrame":{"functionName":"(idle)","url":""}}],"samples":[2,2]}
            """
        var options = CPUProfileOptions()
        options.dropIdle = true
        XCTAssertTrue(message(json, options).contains("no samples left after dropping idle time"))
    }

    // MARK: The real fixtures

    /// Profiles of `Tests/Fixtures/importers/workload.js` by Node, Deno, Bun and Chromium.
    func testRuntimeFixtures() throws {
        let names = [
            "node-workload.cpuprofile", "deno-workload.cpuprofile", "bun-workload.cpuprofile",
            "chrome-profiler-stop.json",
        ]
        for name in names {
            var bytes = try Fixtures.bytes("importers/" + name)
            if name.hasSuffix(".json") {
                // The DevTools protocol's wrapper decodes like the profile inside it.
                let wrapped = try CPUProfileDecoder.decode(bytes, sourceName: name, options: CPUProfileOptions())
                let inner = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
                bytes = [UInt8](try JSONSerialization.data(withJSONObject: inner["profile"]!))
                let bare = try CPUProfileDecoder.decode(bytes, sourceName: name, options: CPUProfileOptions())
                XCTAssertEqual(foldedText(wrapped.0), foldedText(bare.0))
            }
            let (profile, diagnostics) = try CPUProfileDecoder.decode(
                bytes, sourceName: name, options: CPUProfileOptions())
            XCTAssertEqual(diagnostics.warnings, [], name)
            let check = try P.checkV8Profile(bytes, profile, name: name)
            XCTAssertGreaterThan(check.hot, 0.4, name)
            XCTAssertGreaterThan(check.hot, check.cold, name)
            XCTAssertGreaterThan(check.cold, 0.05, name)
            XCTAssertFalse(foldedText(profile).contains("(root)"), name)
        }
    }
}
