import FlameGraphCore
import XCTest

/// The diff is algebra on the model: its laws, over seeded random profiles.
final class DiffLawTests: XCTestCase {
    func compare(_ a: Profile, _ b: Profile, _ settings: GateSettings = GateSettings()) -> DiffResult {
        DiffEngine.compare(
            before: [a], after: [b], settings: settings, normalizer: FrameNormalizer(), today: "2026-11-27",
            baselineLabel: "a", afterLabel: "b")
    }

    func testDiffOfAProfileWithItselfHasNoChangeAndPasses() {
        var rng = SeededRandom(seed: 3)
        for _ in 0..<50 {
            let p = ProfileLawTests.randomProfile(&rng)
            let r = compare(p, p)
            XCTAssertTrue(r.passed)
            for f in r.frames {
                XCTAssertEqual(f.totalDelta, 0, accuracy: 1e-12)
                XCTAssertEqual(f.selfDelta, 0, accuracy: 1e-12)
                XCTAssertGreaterThanOrEqual(f.pValue, 0.49)
            }
        }
    }

    func testSwappingSidesNegatesEveryDelta() {
        var rng = SeededRandom(seed: 4)
        for _ in 0..<50 {
            let a = ProfileLawTests.randomProfile(&rng), b = ProfileLawTests.randomProfile(&rng)
            let ab = Dictionary(uniqueKeysWithValues: compare(a, b).frames.map { ($0.name, $0) })
            let ba = Dictionary(uniqueKeysWithValues: compare(b, a).frames.map { ($0.name, $0) })
            XCTAssertEqual(Set(ab.keys), Set(ba.keys))
            for (name, f) in ab {
                XCTAssertEqual(f.totalDelta, -ba[name]!.totalDelta, accuracy: 1e-9)
                XCTAssertEqual(f.selfDelta, -ba[name]!.selfDelta, accuracy: 1e-9)
            }
        }
    }

    func testTotalsCountEachSampleOnceUnderRecursion() {
        var p = Profile()
        p.add(frames: ["main", "f", "f", "f"], weight: 10)
        p.add(frames: ["main", "g"], weight: 10)
        let t = FrameTotals(p)
        XCTAssertEqual(t.totalWeight["f"], 10)
        XCTAssertEqual(t.selfWeight["f"], 10)
        XCTAssertEqual(t.totalWeight["main"], 20)
        XCTAssertEqual(t.selfWeight["main"] ?? 0, 0)
    }

    func testNormalizationIsIdempotentAndStripsWhatChangesBetweenBuilds() {
        let n = FrameNormalizer()
        let cases: [(String, Int, String)] = [
            ("handler (server.js:42)", 2, "handler"),
            ("handler (/srv/app/server.js:42:7)", 2, "handler"),
            ("parse:120:9", 2, "parse"),
            ("std::vector<int>::push_back", 2, "std::vector<int>::push_back"),
            ("core::ptr::drop_in_place::h0123456789abcdef", 2, "core::ptr::drop_in_place"),
            ("[unknown] 0x7f3a12bc", 2, "[unknown] 0x..."),
            ("java-12345", 1, "java"),
            ("java-12345/12399", 1, "java"),
            ("python3-?", 1, "python3"),
            // A trailing -NUMBER reads as a pid (perf --pid) and goes; inner numbers become N.
            ("pool-1-thread-3", 1, "pool-N-thread"),
            ("Thread-12 worker_3", 1, "Thread-N worker_N"),
            ("pool-1-thread-3", 2, "pool-1-thread-3"),
            ("sha256", 2, "sha256"),
        ]
        for (input, depth, expected) in cases {
            XCTAssertEqual(n.normalize(input, depth: depth), expected, input)
            XCTAssertEqual(n.normalize(expected, depth: depth), expected, "idempotent: \(expected)")
        }
        XCTAssertEqual(
            FrameNormalizer(keepLines: true).normalize("handler (server.js:42)", depth: 2), "handler (server.js:42)")
        XCTAssertEqual(FrameNormalizer(enabled: false).normalize("java-1", depth: 1), "java-1")
        var rng = SeededRandom(seed: 8)
        for _ in 0..<50 {
            let p = ProfileLawTests.randomProfile(&rng)
            let once = n.apply(p), twice = n.apply(once)
            XCTAssertEqual(ProfileLawTests.text(once), ProfileLawTests.text(twice))
        }
    }

    func testALineShiftOrRebuildIsNotARegression() {
        var a = Profile(), b = Profile()
        a.add(frames: ["app-100", "main (app.js:10)", "work (app.js:20)"], weight: 500)
        a.add(frames: ["app-100", "main (app.js:10)", "idle"], weight: 500)
        b.add(frames: ["app-200", "main (app.js:11)", "work (app.js:22)"], weight: 500)
        b.add(frames: ["app-200", "main (app.js:11)", "idle"], weight: 500)
        XCTAssertTrue(compare(a, b).frames.allSatisfy { $0.totalDelta == 0 })
    }

    func testAGrowthOverThresholdAndSignificantRegresses() {
        var a = Profile(), b = Profile()
        a.add(frames: ["main", "hot"], weight: 3000)
        a.add(frames: ["main", "other"], weight: 7000)
        b.add(frames: ["main", "hot"], weight: 3500)
        b.add(frames: ["main", "other"], weight: 6500)
        let r = compare(a, b)
        XCTAssertFalse(r.passed)
        XCTAssertEqual(r.regressions.map(\.name), ["hot"])
        XCTAssertEqual(r.regressions[0].totalDelta, 5, accuracy: 1e-9)
        // Same change, but a threshold above it: passes.
        var lenient = GateSettings()
        lenient.threshold = 6
        XCTAssertTrue(compare(a, b, lenient).passed)
        // A rule can ignore it, or acknowledge it until a date.
        var ignoring = GateSettings()
        ignoring.rules = [GateSettings.Rule(pattern: .init(glob: "h*t"), ignore: true)]
        XCTAssertTrue(compare(a, b, ignoring).passed)
        var acked = GateSettings()
        acked.acknowledged = [.init(pattern: .init(glob: "hot"), reason: "known", expires: "2026-12-31")]
        XCTAssertTrue(compare(a, b, acked).passed)
        acked.acknowledged = [.init(pattern: .init(glob: "hot"), reason: "known", expires: "2026-01-01")]
        let expired = compare(a, b, acked)
        XCTAssertFalse(expired.passed)
        XCTAssertEqual(expired.warnings.count, 1)
    }

    func testTheSameShareChangeOnFewSamplesIsNoise() {
        var a = Profile(), b = Profile()
        a.add(frames: ["main", "hot"], weight: 3)
        a.add(frames: ["main", "other"], weight: 7)
        b.add(frames: ["main", "hot"], weight: 4)
        b.add(frames: ["main", "other"], weight: 6)
        let r = compare(a, b)
        XCTAssertTrue(r.passed, "+10 pp on 10 samples is not significant")
        XCTAssertGreaterThan(r.frames.first { $0.name == "hot" }!.pValue, 0.01)
    }

    func testSeveralCapturesUseRunToRunNoise() {
        func capture(_ hot: Double) -> Profile {
            var p = Profile()
            p.add(frames: ["main", "hot"], weight: hot)
            p.add(frames: ["main", "other"], weight: 10000 - hot)
            return p
        }
        // Noisy runs: a 2 pp shift inside ±5 pp run-to-run noise is not significant…
        let noisyBefore = [capture(3000), capture(3500), capture(2500)]
        let noisyAfter = [capture(3200), capture(3700), capture(2700)]
        let r1 = DiffEngine.compare(
            before: noisyBefore, after: noisyAfter, settings: GateSettings(), normalizer: FrameNormalizer(),
            today: "2026-11-27", baselineLabel: "a", afterLabel: "b")
        XCTAssertEqual(r1.test, "Welch t-test across captures")
        XCTAssertTrue(r1.passed)
        // …while the same shift over steady runs is.
        let r2 = DiffEngine.compare(
            before: [capture(3000), capture(3010), capture(2990)],
            after: [capture(3200), capture(3210), capture(3190)],
            settings: GateSettings(), normalizer: FrameNormalizer(), today: "2026-11-27", baselineLabel: "a",
            afterLabel: "b")
        XCTAssertFalse(r2.passed)
    }

    func testStatisticsAgainstKnownValues() {
        XCTAssertEqual(Statistics.normalUpperTail(0), 0.5, accuracy: 1e-7)
        XCTAssertEqual(Statistics.normalUpperTail(1.959964), 0.025, accuracy: 1e-6)
        XCTAssertEqual(Statistics.normalUpperTail(2.326348), 0.01, accuracy: 1e-6)
        XCTAssertEqual(Statistics.studentUpperTail(2.015048, df: 5), 0.05, accuracy: 1e-5)
        XCTAssertEqual(Statistics.studentUpperTail(3.364930, df: 5), 0.01, accuracy: 1e-5)
        XCTAssertEqual(Statistics.studentUpperTail(-2.015048, df: 5), 0.95, accuracy: 1e-5)
        XCTAssertEqual(Statistics.studentUpperTail(1.644854, df: 1e6), 0.05, accuracy: 1e-4)
    }

    func testCallersThatGrewWithARegressedCalleeAreGroupedUnderIt() {
        var a = Profile(), b = Profile()
        a.add(frames: ["main", "handle", "checksum"], weight: 3000)
        a.add(frames: ["main", "idle"], weight: 7000)
        b.add(frames: ["main", "handle", "checksum"], weight: 4000)
        b.add(frames: ["main", "idle"], weight: 6000)
        let r = compare(a, b)
        XCTAssertEqual(Set(r.regressions.map(\.name)), ["handle", "checksum"])
        XCTAssertEqual(r.rootCauses.map(\.name), ["checksum"])
        XCTAssertEqual(r.frames.first { $0.name == "handle" }?.explainedBy, "checksum")
        // A caller that also grew on its own, beyond the threshold, stays a root cause.
        var c = Profile()
        c.add(frames: ["main", "handle", "checksum"], weight: 4000)
        c.add(frames: ["main", "handle"], weight: 2000)
        c.add(frames: ["main", "idle"], weight: 4000)
        XCTAssertEqual(Set(compare(a, c).rootCauses.map(\.name)), ["handle", "checksum"])
        // Mutual recursion explains neither.
        var d = Profile(), e = Profile()
        d.add(frames: ["f", "g", "f", "g"], weight: 100)
        d.add(frames: ["idle"], weight: 900)
        e.add(frames: ["f", "g", "f", "g"], weight: 300)
        e.add(frames: ["idle"], weight: 700)
        let mutual = compare(d, e)
        XCTAssertFalse(mutual.passed)
        XCTAssertFalse(mutual.rootCauses.isEmpty)
    }
}
