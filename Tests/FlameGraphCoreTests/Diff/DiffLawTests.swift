import FlameGraphCore
import FlameGraphTestSupport
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
            XCTAssertEqual(foldedText(once), foldedText(twice))
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
        b.add(frames: ["main", "hot"], weight: 3700)
        b.add(frames: ["main", "other"], weight: 6300)
        let r = compare(a, b)
        XCTAssertFalse(r.passed)
        XCTAssertEqual(r.regressions.map(\.name), ["hot"])
        XCTAssertEqual(r.regressions.first?.totalDelta ?? 0, 7, accuracy: 1e-9)
        // Same change, but a threshold above it: passes.
        var lenient = GateSettings()
        lenient.threshold = 8
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
        XCTAssertEqual(expired.warnings.filter { $0.contains("expired") }.count, 1)
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

    func testNoiseIsMeasuredBetweenTheSidesAndMoreCapturesNeverLoseSensitivity() {
        /// One capture of `n` samples over five functions; `hot` takes `hot` of them, `jitter` moves
        /// samples between the others (deterministically).
        func capture(_ hot: Double, _ n: Double = 400, jitter: Double = 0) -> Profile {
            var p = Profile()
            let rest = (n - hot) / 4
            p.add(frames: ["main", "hot"], weight: hot)
            p.add(frames: ["main", "a"], weight: rest + jitter)
            p.add(frames: ["main", "b"], weight: rest - jitter)
            p.add(frames: ["main", "c"], weight: rest + jitter / 2)
            p.add(frames: ["main", "d"], weight: rest - jitter / 2)
            return p
        }
        func run(_ before: [Profile], _ after: [Profile]) -> DiffResult {
            DiffEngine.compare(
                before: before, after: after, settings: GateSettings(), normalizer: FrameNormalizer(),
                today: "2026-11-27", baselineLabel: "a", afterLabel: "b")
        }
        // The untouched stacks agree: φ is measured (shrunk towards φ₀ for its few degrees of freedom)…
        let quiet = run([capture(120)], [capture(168)])
        let phi0 = GateSettings().noise.defaultDispersion
        XCTAssertNotNil(quiet.noise.measured)
        XCTAssertLessThan(quiet.noise.measured!, phi0)
        XCTAssertEqual(quiet.regressions.map(\.name), ["hot"], "+12 pp on 400 samples a side")
        // …and the regressed stack itself does not inflate it: a bigger regression, the same φ.
        let bigger = run([capture(120)], [capture(240)])
        XCTAssertEqual(bigger.noise.measured!, quiet.noise.measured!, accuracy: 1e-9)
        // The untouched stacks disagree (±8 % of the samples move between them): φ is measured well above
        // the prior (φ₀ plus the session term, 2.0 at 400 samples a side) and the same +12 pp is no longer
        // enough.
        let noisy = run([capture(120, jitter: -16)], [capture(168, jitter: 16)])
        XCTAssertGreaterThan(noisy.noise.measured!, 3)
        XCTAssertFalse(noisy.regressions.map(\.name).contains("hot"))
        // Three rounds a side with the same pooled samples give exactly the verdict and φ of one capture a
        // side: more captures never make the gate less sensitive; rounds are measured for the reports.
        let rounds = run(
            [capture(40, 400 / 3), capture(40, 400 / 3), capture(40, 400 / 3)],
            [capture(56, 400 / 3), capture(56, 400 / 3), capture(56, 400 / 3)])
        XCTAssertEqual(rounds.noise.effective, quiet.noise.effective, accuracy: 1e-9)
        XCTAssertEqual(rounds.regressions.map(\.name), quiet.regressions.map(\.name))
        XCTAssertEqual(rounds.noise.replicateDispersion ?? -1, 0, accuracy: 1e-9)
        // Two stacks are one share: nothing to measure φ on, so the conservative default applies and the
        // report says so.
        var two = Profile(), twoAfter = Profile()
        two.add(frames: ["main", "hot"], weight: 120)
        two.add(frames: ["main", "other"], weight: 280)
        twoAfter.add(frames: ["main", "hot"], weight: 168)
        twoAfter.add(frames: ["main", "other"], weight: 232)
        let unmeasured = run([two], [twoAfter])
        XCTAssertNil(unmeasured.noise.measured)
        XCTAssertTrue(unmeasured.noise.usesDefault)
        XCTAssertTrue(unmeasured.warnings.contains { $0.contains("conservative dispersion") })
    }

    func testThreeVerdictsAndTheSmallestDetectableChange() {
        var a = Profile(), b = Profile()
        a.add(frames: ["main", "hot"], weight: 120)
        a.add(frames: ["main", "other"], weight: 280)
        b.add(frames: ["main", "hot"], weight: 150)
        b.add(frames: ["main", "other"], weight: 250)
        // +7.5 pp on 400 samples: past the threshold, not significant under φ₀ → inconclusive, with advice.
        let r = compare(a, b)
        XCTAssertEqual(r.verdict, .inconclusive)
        XCTAssertEqual(r.inconclusiveFrames.map(\.name), ["hot"])
        let hot = r.frames.first { $0.name == "hot" }!
        XCTAssertGreaterThan(hot.minDetectablePP, 7.5)
        XCTAssertGreaterThan(hot.settle!.roundsPerSide, 1)
        // The same shares on 100× the samples: a regression; a smaller detectable change.
        let big = compare(a.scaled(by: 100), b.scaled(by: 100))
        XCTAssertEqual(big.verdict, .regression)
        // 100× the samples: a smaller detectable change, but not 10× smaller — the session term κ does not
        // shrink with samples (two processes differ by more than counting noise).
        let bigMDC = big.frames.first { $0.name == "hot" }!.minDetectablePP
        XCTAssertLessThan(bigMDC, hot.minDetectablePP / 2)
        XCTAssertGreaterThan(bigMDC, hot.minDetectablePP / 10)
        // No growth past the threshold: pass.
        XCTAssertEqual(compare(a, a).verdict, .pass)
    }

    func testIdleFramesAreNotGatedAndFocusRestrictsShares() {
        var a = Profile(), b = Profile()
        a.add(frames: ["(root)", "main", "work"], weight: 500)
        a.add(frames: ["(root)", "(idle)"], weight: 500)
        b.add(frames: ["(root)", "main", "work"], weight: 500)
        b.add(frames: ["(root)", "(idle)"], weight: 5000)
        let r = compare(a, b)
        XCTAssertFalse(r.frames.contains { $0.name == "(idle)" || $0.name == "(root)" })
        XCTAssertEqual(r.frames.first { $0.name == "work" }!.totalShareAfter, 1)
        var keep = GateSettings()
        keep.keepIdle = true
        XCTAssertTrue(compare(a, b, keep).frames.contains { $0.name == "(idle)" })
        // Focus: shares relative to the focused frame; start-up outside it drops out.
        var c = Profile(), d = Profile()
        c.add(frames: ["main", "startup"], weight: 100)
        c.add(frames: ["main", "serve", "parse"], weight: 300)
        c.add(frames: ["main", "serve", "render"], weight: 300)
        d.add(frames: ["main", "startup"], weight: 900)
        d.add(frames: ["main", "serve", "parse"], weight: 300)
        d.add(frames: ["main", "serve", "render"], weight: 300)
        var focus = GateSettings()
        focus.focus = try! GateSettings.FramePattern(regex: "^serve$")
        let f = compare(c, d, focus)
        XCTAssertEqual(Set(f.frames.map(\.name)), ["serve", "parse", "render"])
        XCTAssertEqual(f.frames.first { $0.name == "parse" }!.totalShareAfter, 0.5, accuracy: 1e-12)
        XCTAssertEqual(f.verdict, .pass)
    }

    func testUnitsConvertExplicitlyOrStop() throws {
        var samples = Profile()
        samples.add(frames: ["main", "hot"], weight: 100)
        var micros = Profile()
        micros.unit = .microseconds
        micros.add(frames: ["main", "hot"], weight: 100_000)
        micros.samplingInterval = 1000
        let (_, after, notes) = try UnitCheck.reconcile(
            .init(profiles: [samples], label: "a.folded"), .init(profiles: [micros], label: "b.cpuprofile"))
        XCTAssertEqual(after[0].totalWeight, 100)
        XCTAssertEqual(after[0].unit, .samples)
        XCTAssertTrue(notes.contains { $0.contains("b.cpuprofile") && $0.contains("1000") }, "\(notes)")
        micros.samplingInterval = nil
        XCTAssertThrowsError(
            try UnitCheck.reconcile(
                .init(profiles: [samples], label: "a.folded"), .init(profiles: [micros], label: "b.json"))
        ) { error in
            let e = error as! FlameGraphError
            XCTAssertEqual(e.kind, .badInput)
            XCTAssertTrue(e.message.contains("a.folded") && e.message.contains("b.json"), e.message)
        }
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
