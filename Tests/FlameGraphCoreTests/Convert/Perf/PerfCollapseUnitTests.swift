import XCTest

@testable import FlameGraphCore

/// Edge cases of `PerfScriptCollapser`, each on a few lines of hand-written `perf script` text.
final class PerfCollapseUnitTests: XCTestCase {
    /// Folded output (sorted `stack count` lines) of `text` collapsed with `options`.
    func folded(_ text: String, _ options: PerfCollapseOptions = PerfCollapseOptions()) -> [String] {
        let c = PerfScriptCollapser.collapse(Array(text.utf8), options: options)
        return String(decoding: FoldedWriter.write(c.profile), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    func warnings(_ text: String, _ options: PerfCollapseOptions = PerfCollapseOptions()) -> [String] {
        PerfScriptCollapser.collapse(Array(text.utf8), options: options).diagnostics.warnings
    }

    func testPeriodIsTheWeightAndOffsetsAreDropped() {
        let text = """
            app 12 1.000001:   250000 cpu-clock:uhH: 
            \t  401b97 leaf+0x1f (/bin/app)
            \t  401c00 main+0x20 (/bin/app)

            app 12 1.000002:   250000 cpu-clock:uhH: 
            \t  401b98 leaf+0x20 (/bin/app)
            \t  401c00 main+0x20 (/bin/app)

            """
        XCTAssertEqual(folded(text), ["app;main;leaf 500000"])
    }

    func testWithoutPeriodEachSampleCountsOne() {
        let text = "app 12 cycles:\n\t1 f (/x)\n\napp 12 cycles:\n\t1 f (/x)\n\napp 12 cycles:\n\t1 g (/x)\n"
        XCTAssertEqual(folded(text), ["app;f 2", "app;g 1"])
    }

    func testPIDAndTIDSuffixes() {
        let text = "my app 100/200 [001] 5.0: 7 cycles: \n\t1 f (/x)\n\nother 300 5.1: 7 cycles: \n\t1 f (/x)\n"
        XCTAssertEqual(folded(text), ["my_app;f 7", "other;f 7"])
        XCTAssertEqual(folded(text, PerfCollapseOptions(includePID: true)), ["my_app-100;f 7", "other-?;f 7"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(includeTID: true)), ["my_app-100/200;f 7", "other-?/300;f 7"])
    }

    func testProcessNameWithDigitWordsAndBlanks() {
        let text = "V8 WorkerThread 24636/25607 [000] 94564.109216: 100 cycles:\n\t1 f (/x)\n"
        XCTAssertEqual(folded(text, PerfCollapseOptions(includePID: true)), ["V8_WorkerThread-24636;f 100"])
    }

    func testEventFilterDefaultsToTheFirstEventAndIgnoresModifiers() {
        let text = """
            a 1 1.0: 1 cycles:u: 
            \t1 f (/x)

            a 1 1.1: 1 instructions: 
            \t1 g (/x)

            a 1 1.2: 1 cycles: 
            \t1 h (/x)

            """
        var c = PerfScriptCollapser.collapse(Array(text.utf8))
        XCTAssertEqual(c.eventType, "cycles")
        XCTAssertEqual(c.samplesKept, 2)
        XCTAssertEqual(c.samplesFiltered, 1)
        XCTAssertEqual(folded(text), ["a;f 1", "a;h 1"])
        XCTAssertEqual(folded(text, PerfCollapseOptions(eventFilter: "instructions")), ["a;g 1"])
        XCTAssertEqual(folded(text, PerfCollapseOptions(eventFilter: "cycles:k")), ["a;f 1", "a;h 1"])
        c = PerfScriptCollapser.collapse(Array("a 1 1.0: 1 sched:sched_switch: prev_comm=a\n\t1 f (/x)\n".utf8))
        XCTAssertEqual(c.eventType, "sched:sched_switch")
        XCTAssertEqual(FoldedWriter.write(c.profile), Array("a;f 1\n".utf8))
    }

    func testKernelAndJITAnnotations() {
        let text = """
            a 1 1.0: 1 cycles: 
            \t1 k1 ([kernel.kallsyms])
            \t2 k2 (/boot/vmlinux)
            \t3 k3 (/usr/lib/debug/boot/vmlinux-5.4.0)
            \t4 k4 (/lib/modules/5.4/kernel/net/foo.ko)
            \t5 j1 (/tmp/perf-1234.map)
            \t6 j2 (/home/u/.debug/jit/jitted-1234-17.so)
            \t7 u1 (/usr/lib/libc.so.6)
            \t8 [unknown] ([unknown])

            """
        XCTAssertEqual(folded(text), ["a;[unknown];u1;j2;j1;k4;k3;k2;k1 1"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(annotateKernel: true)),
            ["a;[unknown];u1;j2;j1;k4_[k];k3_[k];k2_[k];k1_[k] 1"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(annotateJIT: true)), ["a;[unknown];u1;j2_[j];j1_[j];k4;k3;k2;k1 1"])
        var all = PerfCollapseOptions()
        all.annotateAll = true
        XCTAssertTrue(all.annotateKernel && all.annotateJIT)
        XCTAssertEqual(folded(text, all), ["a;[unknown];u1;j2_[j];j1_[j];k4_[k];k3_[k];k2_[k];k1_[k] 1"])
    }

    func testUnknownSymbolsUseTheDsoAndOptionallyTheAddress() {
        let text =
            "a 1 1.0: 1 cycles: \n\t7f00 [unknown] (/usr/lib/libfoo.so.1)\n\tffff [unknown] ([vdso])\n\t1 [unknown] ([unknown])\n"
        XCTAssertEqual(folded(text), ["a;[unknown];[[vdso]];[libfoo.so.1] 1"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(includeAddrs: true)),
            ["a;[unknown <1>];[[vdso] <ffff>];[libfoo.so.1 <7f00>] 1"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(annotateKernel: true)), ["a;[unknown];[[vdso]]_[k];[libfoo.so.1] 1"])
    }

    func testFrameWithoutSymbolIsNamedBlankLikeThePeers() {
        XCTAssertEqual(folded("a 1 cycles:\n\t7f1e2215d058  (/lib/libc.so)\n\t1 main (/bin/a)\n"), ["a;main;  1"])
    }

    func testInlinedFramesAreSplitCallerFirst() {
        let text =
            "java 1 cycles:\n\t1 Lcom/A;::outer->Lcom/B;::mid->Lcom/C;::inner+0x4 (/tmp/perf-1.map)\n\t2 std::unique_ptr<T>::operator-> (/bin/x)\n"
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(annotateJIT: true)),
            ["java;std::unique_ptr<T>::operator->;com/A:::outer_[j];com/B:::mid_[i];com/C:::inner_[i] 1"])
    }

    func testJavaClassPrefixIsOnlyStrippedForJavaProcesses() {
        let text =
            "java 1 cycles:\n\t1 Ljava/lang/Thread;::run (/tmp/perf-1.map)\n\nnode 1 cycles:\n\t1 Ljava/lang/Thread;::run (/tmp/perf-1.map)\n"
        XCTAssertEqual(folded(text), ["java;java/lang/Thread:::run 1", "node;Ljava/lang/Thread:::run 1"])
    }

    func testArgumentListsAreCutOnlyAtTopLevel() {
        let cases: [(String, String)] = [
            ("foo(int, char**)", "foo"),
            ("ns::f<bool (*)(int)>(int) const", "ns::f<bool (*)(int)>"),
            ("a::b(int)::{lambda()#1}::operator()", "a::b"),
            ("x::operator()() const", "x::operator"),
            (
                "std::operator<< <std::char_traits<char> >(std::ostream&, char const*)",
                "std::operator<< <std::char_traits<char> >"
            ),
            ("bool operator< <int>(int, int)", "bool operator< <int>"),
            ("a::(anonymous namespace)::b(int)", "a::(anonymous namespace)::b"),
            ("net/http.(*Client).Do", "net/http.(*Client).Do"),
            ("regexp/syntax.(*parser).push+0xa6", "regexp/syntax.(*parser).push"),
            ("RegExp:\\bFoo ?Bar(?:/[\\d.]+|[ \\w.]*)", "RegExp:\\bFoo ?Bar"),
            ("semi;colon", "semi:colon"),
        ]
        for (symbol, expected) in cases {
            XCTAssertEqual(folded("a 1 cycles:\n\t1 \(symbol) (/bin/a)\n"), ["a;\(expected) 1"], symbol)
        }
        // A name that starts with `(` is not a function: both peers drop the frame.
        XCTAssertEqual(
            folded("a 1 cycles:\n\t1 leaf (/bin/a)\n\t2 (anonymous namespace)::X::f (/bin/a)\n"), ["a;leaf 1"])
    }

    func testRustLegacySymbolsAreRepaired() {
        let cases: [(String, String)] = [
            ("emulator::main::hc2aaa9b4591a10c7", "emulator::main"),
            ("_$LT$term..TerminfoTerminal$LT$T$GT$$GT$::new::hcd1c44cd143417f6", "<term::TerminfoTerminal<T>>::new"),
            ("log::set_logger::_$u7b$$u7b$closure$u7d$$u7d$::hcb7821323b596727", "log::set_logger::_{{closure}}"),
            ("_$LT$$RF$$u27$a$u20$mut$u20$I$GT$::next::h1191ad8aa35e2822", "<&'a mut I>::next"),
            ("_$LT$A$C$$u20$B$GT$$LP$$RP$$SP$$BP$::f::h0123456789abcdef", "<A, B>()@*::f"),
            ("LazyCompile:*Async$consumeFunctionBuffer", "LazyCompile:*Async$consumeFunctionBuffer"),
            ("no::hash::h0123", "no::hash::h0123"),
        ]
        for (symbol, expected) in cases {
            XCTAssertEqual(folded("a 1 cycles:\n\t1 \(symbol) (/bin/a)\n"), ["a;\(expected) 1"], symbol)
        }
    }

    func testSwiftSymbolsAreDemangledByDefault() {
        let text = "a 1 cycles:\n\t1 $s4main5ShapeV4areaSdvg+0x10 (/bin/a)\n\t2 $s4main3fooyyF (/bin/a)\n"
        XCTAssertEqual(folded(text), ["a;foo();Shape.area.getter 1"])
        XCTAssertEqual(
            folded(text, PerfCollapseOptions(demangle: false)), ["a;$s4main3fooyyF;$s4main5ShapeV4areaSdvg 1"])
    }

    func testSkipAfterCutsAtTheFrameNearestTheLeafAndDropsTheProcess() {
        let text = """
            a 1 cycles:
            \t1 leaf (/x)
            \t2 target (/x)
            \t3 mid (/x)
            \t4 target (/x)
            \t5 root (/x)

            a 1 cycles:
            \t1 other (/x)
            \t5 root (/x)

            """
        XCTAssertEqual(folded(text, PerfCollapseOptions(skipAfter: ["target"])), ["a;root;other 1", "target;leaf 1"])
        // Matching happens before annotations, and works on inlined parts too.
        let inl = "a 1 cycles:\n\t1 k ([kernel.kallsyms])\n\t2 outer->target->inner (/x)\n\t3 root (/x)\n"
        XCTAssertEqual(
            folded(inl, PerfCollapseOptions(annotateKernel: true, skipAfter: ["target"])),
            ["target_[i];inner_[i];k_[k] 1"])
    }

    func testStackOnTheHeaderLine() {
        let text = """
               false 39654 19115.489713:          1 cycles:u:  ffffffff9b201293 [unknown] ([unknown])
               false 39654 19115.489719:          1 cycles:      7fa68b1f2d84 _dl_start+0x4 (/usr/lib/ld-2.31.so)
            """
        XCTAssertEqual(folded(text), ["false;[unknown] 1", "false;_dl_start 1"])
    }

    func testHeaderOnlyEventCountsForTheProcess() {
        XCTAssertEqual(folded("a 1 1.0: 5 cycles:\n\nb 2 1.0: 5 cycles:\n\t1 f (/x)\n"), ["a 5", "b;f 5"])
    }

    func testWeirdLinesWarnOnceWithACount() {
        let text = "a 1 cycles:\n\t1 f (/x)\n\n\n\t1 g (/x)\n\t2 h (/x)\n\nnot an event\n\na 1 cycles:\n\t1 f (/x)\n"
        let w = warnings(text)
        XCTAssertEqual(w.filter { $0.hasPrefix("Weird event line: ") }.count, 1, "\(w)")
        XCTAssertTrue(w.contains("1 more weird event lines were ignored"), "\(w)")
        XCTAssertEqual(folded(text), ["a;f 2"])
    }

    func testCommentsCRLFAndMissingFinalNewline() {
        let text =
            "# header\r\n#\r\na 1 1.0: 3 cycles: \r\n\t1 f+0x1 (/x)\r\n\t2 main (/x)\r\n\r\na 1 1.0: 3 cycles: \r\n\t1 f (/x)"
        XCTAssertEqual(folded(text), ["a;f 3", "a;main;f 3"])
        XCTAssertEqual(warnings(text), [])
    }

    func testUnparseableStackLinesAreCountedOnce() {
        let w = warnings("a 1 cycles:\n\tjustonetoken\n\t1 f (/x)\n\n")
        XCTAssertEqual(w, ["Ignored 1 unrecognized stack lines (first at line 2)"])
    }

    func testEmptyInput() {
        let c = PerfScriptCollapser.collapse([])
        XCTAssertEqual(c.profile.nodeCount, 1)
        XCTAssertEqual(c.samplesKept, 0)
        XCTAssertEqual(c.diagnostics.warnings, [])
        XCTAssertNil(c.eventType)
    }

    func testChunkBoundariesDoNotMatter() {
        let text = Array(
            "# c\na b 1/2 [000] 1.0: 9 cpu-clock:u: \n\t  41 f+0x1 (/x)\n\t 42 g->h (/y)\n\n\nweird\nq 3 1.0: 9 cpu-clock: 1 s (/z)\n"
                .utf8)
        let whole = PerfScriptCollapser.collapse(text, options: PerfCollapseOptions(includeTID: true))
        for size in 1...7 {
            var c = PerfScriptCollapser(options: PerfCollapseOptions(includeTID: true))
            var i = 0
            while i < text.count {
                let part = Array(text[i..<min(i + size, text.count)])
                c.consume(part)
                i += size
            }
            c.finish()
            XCTAssertEqual(FoldedWriter.write(c.profile), FoldedWriter.write(whole.profile), "chunk \(size)")
            XCTAssertEqual(c.diagnostics.warnings, whole.diagnostics.warnings, "chunk \(size)")
        }
    }

    func testOverlongLinesAreDroppedWithAWarning() {
        var text = Array("a 1 cycles:\n\t1 ".utf8)
        text += [UInt8](repeating: UInt8(ascii: "x"), count: PerfScriptCollapser.maxLineLength + 10)
        text += Array(" (/x)\n\t2 main (/x)\n".utf8)
        for chunk in [0, 65536] {
            var c = PerfScriptCollapser()
            if chunk == 0 {
                c.consume(text)
            } else {
                var i = 0
                while i < text.count {
                    c.consume(Array(text[i..<min(i + chunk, text.count)]))
                    i += chunk
                }
            }
            c.finish()
            XCTAssertEqual(String(decoding: FoldedWriter.write(c.profile), as: UTF8.self), "a;main 1\n")
            XCTAssertEqual(c.diagnostics.warnings.count, 1)
            XCTAssertTrue(c.diagnostics.warnings[0].hasPrefix("Ignored 1 lines longer than"))
        }
    }

    func testProfileTreeSharesFramesAndInternsNames() {
        let text = "a 1 cycles:\n\t1 f (/x)\n\t2 main (/x)\n\na 1 cycles:\n\t1 g (/x)\n\t2 main (/x)\n"
        let c = PerfScriptCollapser.collapse(Array(text.utf8))
        // root, a, main, f, g
        XCTAssertEqual(c.profile.nodeCount, 5)
        XCTAssertEqual(c.profile.totalWeight, 2)
        XCTAssertNotNil(c.profile.names.lookup("main"))
    }
}
