import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// The offline explanation: exact numbers on hand-built profiles, the rules, and a real peer profile.
final class HotSpotExplainerTests: XCTestCase {
    static func profile(_ stacks: [(String, Double)]) -> Profile {
        var p = Profile()
        for (stack, weight) in stacks { p.add(frames: stack.split(separator: ";").map(String.init), weight: weight) }
        return p
    }

    static let simple: [(String, Double)] = [
        ("main;a;b", 40), ("main;x;b", 10), ("main;a;c", 30), ("main;d", 15), ("main;d;d", 5),
    ]

    func testSelfListHasExactSharesAndTheHeaviestPath() {
        let e = HotSpotExplainer.explain(Self.profile(Self.simple), top: 20)
        XCTAssertEqual(e.totalWeight, 100)
        XCTAssertEqual(e.unit, .samples)
        XCTAssertEqual(e.functionCount, 6)
        XCTAssertEqual(e.bySelf.map(\.name), ["b", "c", "d"])
        XCTAssertEqual(e.bySelf.map(\.selfShare), [0.5, 0.3, 0.2])
        XCTAssertEqual(e.bySelf.map(\.totalShare), [0.5, 0.3, 0.2])
        XCTAssertEqual(e.bySelf[0].heaviestPath, ["main", "a", "b"])
        XCTAssertEqual(e.bySelf[0].pathWeight, 40)
        XCTAssertEqual(e.bySelf[2].heaviestPath, ["main", "d"])
        XCTAssertEqual(e.bySelf.map(\.recursive), [false, false, true])
    }

    func testTotalListSkipsFramesOnEveryStackAndNamesTheMainCallee() {
        let e = HotSpotExplainer.explain(Self.profile(Self.simple), top: 20)
        XCTAssertEqual(e.byTotal.map(\.name), ["a", "b", "c", "d", "x"])  // main (100%) explains nothing
        XCTAssertEqual(e.byTotal[0].totalShare, 0.7)
        XCTAssertEqual(e.byTotal[0].selfShare, 0)
        XCTAssertEqual(e.byTotal[0].topCallee, "b")
        XCTAssertEqual(e.byTotal[0].topCalleeWeight, 40)
        XCTAssertEqual(e.byTotal[0].calleeFraction, 1)
        XCTAssertNil(e.byTotal[3].topCallee)  // d only calls itself
        XCTAssertTrue(e.byTotal[3].recursive)
        XCTAssertEqual(e.byTotal[4].topCallee, "b")
    }

    func testTopLimitsBothLists() {
        let e = HotSpotExplainer.explain(Self.profile(Self.simple), top: 2)
        XCTAssertEqual(e.bySelf.map(\.name), ["b", "c"])
        XCTAssertEqual(e.byTotal.map(\.name), ["a", "b"])
        XCTAssertEqual(e.top, 2)
    }

    func testObservationsForASimpleProfile() {
        let e = HotSpotExplainer.explain(Self.profile(Self.simple), top: 20)
        XCTAssertEqual(
            e.observations.map(\.plainText),
            [
                "b alone burns 50.0% of the CPU in its own code: optimise its body.",
                "c alone burns 30.0% of the CPU in its own code: optimise its body.",
                "d alone burns 20.0% of the CPU in its own code: optimise its body.",
                "a spends 100.0% of its time in its callees, mostly b (57.1% of its time): look at what it calls and how often.",
                "The top 3 functions account for 100.0% of samples (a concentrated profile): a few targeted fixes will pay off.",
                "d is recursive (it appears in its own call path): its total counts each sample once.",
            ])
        XCTAssertEqual(e.observations[0].parts.first, .frame("b"))
    }

    func testRecursionCountsEachSampleOnce() {
        let e = HotSpotExplainer.explain(Self.profile([("f;g;f;g;h", 10), ("f;k", 10)]), top: 5)
        let g = e.byTotal.first { $0.name == "g" }!
        XCTAssertEqual(g.totalWeight, 10)
        XCTAssertTrue(g.recursive)
        let f = e.byTotal.first { $0.name == "f" }
        XCTAssertNil(f)  // on every stack
        XCTAssertEqual(e.bySelf.first { $0.name == "h" }?.heaviestPath, ["f", "g", "f", "g", "h"])
        // g's callees: f (once per sample, not twice) then h.
        XCTAssertEqual(g.topCallee, "f")
        XCTAssertEqual(g.topCalleeWeight, 10)
    }

    func testDeepPathsAreShortenedInTheMiddle() {
        let deep = (1...12).map { "f\($0)" }.joined(separator: ";")
        let e = HotSpotExplainer.explain(Self.profile([(deep, 1)]), top: 1)
        XCTAssertEqual(e.bySelf[0].heaviestPath, ["f1", "f2", "f3", "…", "f8", "f9", "f10", "f11", "f12"])
    }

    func testKernelGCIdleAndLockRules() {
        let e = HotSpotExplainer.explain(
            Self.profile([
                ("app;work", 45), ("app;read;entry_SYSCALL_64_[k];do_syscall_64_[k]", 20), ("(garbage collector)", 10),
                ("(idle)", 10), ("app;worker;pthread_mutex_lock;__lll_lock_wait;futex_wait_[k]", 15),
            ]), top: 20)
        let text = e.observations.map(\.plainText)
        XCTAssertTrue(
            text.contains(
                "20.0% of samples are in the kernel (system calls, page faults): look for many small reads/writes, allocation churn or memory mapping."
            ), "\(text)")
        XCTAssertTrue(
            text.contains(
                "10.0% of samples are in the garbage collector: reduce allocations (reuse buffers, avoid temporary objects)."
            ), "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("10.0% of samples are idle or unattributed") }, "\(text)")
        XCTAssertTrue(
            text.contains(
                "15.0% of samples are in lock or wait functions (__lll_lock_wait, futex_wait_[k]): threads contend for locks or wait for events; an off-CPU profile (flame-graph offcpu) shows the blocked time."
            ), "\(text)")
        XCTAssertTrue(text.contains { $0.hasPrefix("work alone burns 45.0%") }, "\(text)")
    }

    func testSmallCategoriesAreNotMentioned() {
        let e = HotSpotExplainer.explain(Self.profile([("app;work", 97), ("app;sys_read_[k]", 3)]), top: 20)
        XCTAssertFalse(e.observations.contains { $0.plainText.contains("kernel") })
    }

    func testFlatProfile() {
        let stacks = (0..<40).map { ("main;f\($0 < 10 ? "0" : "")\($0)", 1.0) }
        let e = HotSpotExplainer.explain(Self.profile(stacks), top: 3)
        XCTAssertEqual(e.bySelf.map(\.name), ["f00", "f01", "f02"])  // ties by name
        XCTAssertEqual(
            e.observations.map(\.plainText),
            [
                "The top 5 functions account for only 12.5% of samples (a flat profile): there is no single hot spot; look at the wide towers (whole subsystems) instead."
            ])
    }

    func testEmptyProfile() {
        let e = HotSpotExplainer.explain(Profile(), top: 20)
        XCTAssertEqual(e.totalWeight, 0)
        XCTAssertTrue(e.bySelf.isEmpty && e.byTotal.isEmpty)
        XCTAssertEqual(e.observations.map(\.plainText), ["The profile has no samples: there is nothing to explain."])
        XCTAssertTrue(ExplanationText.render(e).contains("nothing to explain"))
    }

    func testDeterministicWhateverTheInputOrder() {
        let stacks: [(String, Double)] = Self.simple + [("main;y;b", 40), ("main;z;q", 7)]
        let a = HotSpotExplainer.explain(Self.profile(stacks), top: 20)
        let b = HotSpotExplainer.explain(Self.profile(stacks.reversed()), top: 20)
        XCTAssertEqual(a, b)
        XCTAssertEqual(ExplanationText.render(a), ExplanationText.render(b))
        XCTAssertEqual(ExplanationMarkdown.render(a), ExplanationMarkdown.render(b))
        // Two paths of equal weight: the first by name wins.
        XCTAssertEqual(a.bySelf[0].heaviestPath, ["main", "a", "b"])
    }

    func testTextRendering() {
        let text = ExplanationText.render(HotSpotExplainer.explain(Self.profile(Self.simple), top: 2))
        XCTAssertEqual(
            text,
            """
            Hot spots: 100 samples in 6 functions

            Where the CPU is burned (self time, top 2):
              1.    50.0% self   50.0% total  b
                    heaviest path (80.0% of its self time): main -> a -> b
              2.    30.0% self   30.0% total  c
                    heaviest path (100.0% of its self time): main -> a -> c

            Where the time goes including callees (total time, top 2):
              1.    70.0% total    0.0% self  a  (mostly in b: 57.1%)
              2.    50.0% total   50.0% self  b

            Observations:
              - b alone burns 50.0% of the CPU in its own code: optimise its body.
              - c alone burns 30.0% of the CPU in its own code: optimise its body.
              - d alone burns 20.0% of the CPU in its own code: optimise its body.
              - a spends 100.0% of its time in its callees, mostly b (57.1% of its time): look at what it calls and how often.
              - The top 3 functions account for 100.0% of samples (a concentrated profile): a few targeted fixes will pay off.
              - d is recursive (it appears in its own call path): its total counts each sample once.

            """)
    }

    func testTextAndMarkdownNeutraliseHostileNames() {
        let hostile = "evil\u{1B}[31m<img src=x onerror=alert(1)>|`@here"
        let e = HotSpotExplainer.explain(Self.profile([("main;\(hostile)", 10)]), top: 5)
        let text = ExplanationText.render(e)
        XCTAssertFalse(text.contains("\u{1B}"))
        XCTAssertTrue(text.contains("evil?[31m<img"))
        let md = ExplanationMarkdown.render(e)
        XCTAssertFalse(md.contains("<img"))
        XCTAssertFalse(md.contains("`@here"))
        XCTAssertFalse(md.contains("\u{1B}"))
        XCTAssertTrue(
            md.contains("<code>evil &#91;31m&lt;img src&#61;x onerror&#61;alert(1)&gt;&#124;&#96;&#64;here</code>"))
    }

    /// A real profile (Java, vert.x) from the FlameGraph peer, checked against an independent count.
    func testPeerProfile() throws {
        let path = PeerCases.root + "/FlameGraph/test/results/perf-vertx-stacks-01-collapsed-all.txt"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var selfCount: [String: Double] = [:]
        var pathCount: [String: Double] = [:]
        var total = 0.0
        for line in text.split(separator: "\n") where !line.isEmpty {
            let space = line.lastIndex(of: " ")!
            let stack = String(line[..<space])
            let n = Double(line[line.index(after: space)...])!
            total += n
            selfCount[String(stack.split(separator: ";").last!), default: 0] += n
            pathCount[stack, default: 0] += n
        }
        let profile = FoldedParser.parse(Array(text.utf8)).profile
        let e = HotSpotExplainer.explain(profile, top: 5)
        XCTAssertEqual(e.totalWeight, 286)
        XCTAssertEqual(e.functionCount, 230)
        let expected = selfCount.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
        XCTAssertEqual(e.bySelf.map(\.name), expected.map(\.key))
        XCTAssertEqual(e.bySelf.map(\.selfWeight), expected.map(\.value))
        XCTAssertEqual(e.bySelf[0].name, "hypercall_page_[k]")
        XCTAssertEqual(e.bySelf[0].selfShare, 23.0 / 286)
        for h in e.bySelf {
            let heaviest = pathCount.filter { $0.key.hasSuffix(";" + h.name) }.map(\.value).max()!
            XCTAssertEqual(h.pathWeight, heaviest, h.name)
            XCTAssertEqual(h.heaviestPath.first, "java")
            XCTAssertEqual(h.heaviestPath.last, h.name)
            XCTAssertLessThanOrEqual(h.heaviestPath.count, HotSpotExplainer.maxPathFrames)
        }
        // `java` is on every stack; `java_start` (282 of 286) is just under the cut.
        XCTAssertFalse(e.byTotal.contains { $0.name == "java" })
        XCTAssertEqual(e.byTotal.first?.name, "java_start")
        XCTAssertTrue(
            e.observations.map(\.plainText).contains {
                $0.hasPrefix("34.6% of samples are in the kernel (system calls, page faults)")
            }, "\(e.observations.map(\.plainText))")
        // Thread entries and wrappers that hand everything to one callee are not called out; the first
        // function where the time splits is.
        let said = e.observations.map(\.plainText)
        XCTAssertFalse(said.contains { $0.hasPrefix("start_thread ") || $0.hasPrefix("java_start ") }, "\(said)")
        XCTAssertTrue(
            said.contains {
                $0.hasPrefix(
                    "io/netty/channel/nio/AbstractNioByteChannel$NioByteUnsafe:.read_[j] spends 99.6% of its time in its callees"
                )
            }, "\(said)")
        XCTAssertEqual(e, HotSpotExplainer.explain(FoldedParser.parse(Array(text.utf8)).profile, top: 5))
    }
}
