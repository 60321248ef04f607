import FlameGraphTestSupport
import Foundation
import XCTest

/// `memory` against the real producers: heaptrack on a C program, memray on a Python one.
final class RuntimeMemoryTests: CaptureTestCase {
    /// leak_here() leaks exactly 100 × 64,000 bytes; temp_here() frees everything it allocates.
    static let leaker = """
        #include <stdlib.h>
        #include <string.h>
        static void *keep[100];
        __attribute__((noinline)) void leak_here(void) {
            for (int i = 0; i < 100; i++) { keep[i] = malloc(64000); memset(keep[i], 1, 64000); keep[i] = 0; }
        }
        __attribute__((noinline)) void temp_here(void) {
            for (int i = 0; i < 50; i++) { void *p = malloc(10000); memset(p, 2, 10000); free(p); }
        }
        int main(void) { leak_here(); temp_here(); return 0; }
        """

    func leakedBytes(in path: String, function: String) throws -> Double {
        try folded(path).filter { $0.stack.last?.hasPrefix(function + " (") == true }.reduce(0) { $0 + $1.weight }
    }

    /// `memory --cmd COMMAND` into NAME.folded and NAME.svg in the test directory; its folded stacks.
    func memoryCmd(
        _ command: String, _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [(stack: [String], weight: Double)] {
        let run = try fg([
            "memory", "--cmd", command, "--folded-output", "\(dir)/\(name).folded", "--output", "\(dir)/\(name).svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        return try folded("\(dir)/\(name).folded")
    }

    func testHeaptrackCaptureReportsTheLeakedBytesExactly() throws {
        let heaptrack = try RequiredTool.require("heaptrack", install: "apt-get install heaptrack")
        try RequiredTool.require("heaptrack_print", install: "apt-get install heaptrack")
        let program = try compile("leaker", Self.leaker, flags: ["-g"])
        let r = try TestProcess.run(heaptrack, ["-o", "\(dir)/capture", program], in: dir, timeout: 300)
        XCTAssertEqual(r.status, 0, r.output)
        let capture = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("capture.") })
        let run = try fg([
            "memory", "--input", "\(dir)/\(capture)", "--kind", "leaked", "--folded-output", "\(dir)/leaked.folded",
            "--output", "\(dir)/leaked.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try leakedBytes(in: "\(dir)/leaked.folded", function: "leak_here"), 6_400_000)
        XCTAssertEqual(try leakedBytes(in: "\(dir)/leaked.folded", function: "temp_here"), 0)
        let svg = try String(contentsOfFile: "\(dir)/leaked.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("Memory") && svg.contains("bytes") && !svg.contains("CPU"))
    }

    func testMemoryCmdOfANativeProgramRunsHeaptrack() throws {
        try RequiredTool.require("heaptrack", install: "apt-get install heaptrack")
        let program = try compile("leaker", Self.leaker, flags: ["-g"])
        let run = try fg([
            "memory", "--cmd", program, "--kind", "leaked", "--folded-output", "\(dir)/cmd.folded", "--output",
            "\(dir)/cmd.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try leakedBytes(in: "\(dir)/cmd.folded", function: "leak_here"), 6_400_000)
        XCTAssertEqual(leftovers(), [], "temporary files left behind")
    }

    func testMemoryCmdOfPythonShowsTheBigAllocationWithMemray() throws {
        try RequiredTool.require("memray", install: "pip install memray")
        let python = try XCTUnwrap(Self.python, "python3")
        let source = """
            def big_alloc():
                global keep
                keep = bytearray(48 * 1024 * 1024)
            def small():
                return [str(i) for i in range(10000)]
            big_alloc()
            small()
            """
        try source.write(toFile: "\(dir)/app.py", atomically: true, encoding: .utf8)
        let stacks = try memoryCmd("\(python) \(dir)/app.py", "py")
        let big = stacks.filter { $0.stack.contains { $0.hasPrefix("big_alloc (app.py") } }.reduce(0) { $0 + $1.weight }
        XCTAssertGreaterThanOrEqual(big, 45 * 1024 * 1024)
        let names = try svgFrameNames("\(dir)/py.svg")
        XCTAssertTrue(names.contains { $0.hasPrefix("big_alloc (app.py:") }, "\(names)")
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/py.svg", encoding: .utf8).contains("Memory: peak"))
    }

    /// `memory --pid` of a Python process that can import memray: gdb has it start memray's Tracker
    /// for --duration seconds.
    func testMemoryPidOfPythonAttachesMemray() throws {
        try RequiredTool.require("memray", install: "pip install memray")
        try RequiredTool.require("gdb", install: "apt-get install gdb")
        let python = try XCTUnwrap(Self.python, "python3")
        let source = """
            import time
            keep = []
            def grow():
                keep.append(bytearray(4 * 1024 * 1024))
            while True:
                grow()
                time.sleep(0.2)
                if len(keep) > 40: keep.clear()
            """
        try source.write(toFile: "\(dir)/live.py", atomically: true, encoding: .utf8)
        let target = try start(python, ["\(dir)/live.py"])
        usleep(1_500_000)
        let run = try fg([
            "memory", "--pid", String(target.processIdentifier), "--duration", "3", "--folded-output",
            "\(dir)/live.folded", "--output", "\(dir)/live.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stacks = try folded("\(dir)/live.folded")
        let grown = stacks.filter { $0.stack.last?.hasPrefix("grow (live.py") == true }.reduce(0) { $0 + $1.weight }
        XCTAssertGreaterThanOrEqual(grown, 4 * 1024 * 1024, "\(stacks.prefix(5))")
        XCTAssertTrue(target.isRunning, "attaching must not stop the program")
    }

    /// A jemalloc heap dump (prof_final: what was live at exit), symbolized by jeprof with --binary.
    func testJemallocHeapDumpWithTheBinary() throws {
        try RequiredTool.require("jeprof", install: "apt-get install libjemalloc-dev")
        let library = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
        guard FileManager.default.fileExists(atPath: library) else {
            try RequiredTool.missing("libjemalloc2 is not installed (apt-get install libjemalloc2)")
        }
        let program = try compile("leaker", Self.leaker, flags: ["-g"])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.environment = [
            "LD_PRELOAD": library,
            "MALLOC_CONF": "prof:true,lg_prof_sample:0,prof_final:true,prof_prefix:\(dir)/jeprof",
        ]
        try p.run()
        p.waitUntilExit()
        let dump = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".heap") })
        let run = try fg([
            "memory", "--input", "\(dir)/\(dump)", "--binary", program, "--folded-output", "\(dir)/je.folded",
            "--output", "\(dir)/je.svg",
        ])
        XCTAssertEqual(run.status, 0, run.stderr)
        let stacks = try folded("\(dir)/je.folded")
        let leaked = stacks.filter { $0.stack.last == "leak_here" }.reduce(0) { $0 + $1.weight }
        // jemalloc serves 64,000-byte requests from its 65,536-byte size class: 100 of them.
        XCTAssertEqual(leaked, 6_553_600, "\(stacks)")
        XCTAssertFalse(stacks.contains { $0.stack.contains { $0.contains("<0") } }, "addresses left in names")
        let missing = try fg(["memory", "--input", "\(dir)/\(dump)"])
        XCTAssertEqual(missing.status, 64, missing.stderr)
    }

    /// Node: NODE_OPTIONS=--heap-prof, the sampled allocations still live at exit.
    func testMemoryCmdOfNodeReadsItsHeapProfile() throws {
        let node = try RequiredTool.require("node", install: "apt-get install nodejs")
        let source = """
            globalThis.keep = [];
            function hoard() { keep.push(new Array(20000).fill(Math.random())); }
            for (let i = 0; i < 300; i++) hoard();
            setTimeout(() => {}, 300);
            """
        try source.write(toFile: "\(dir)/hoard.js", atomically: true, encoding: .utf8)
        let stacks = try memoryCmd("\(node) \(dir)/hoard.js", "node")
        let hoarded = stacks.filter { $0.stack.contains { $0 == "hoard" || $0.hasPrefix("hoard (") } }.reduce(0) {
            $0 + $1.weight
        }
        // 300 arrays of 20,000 doubles (160 KB each, 48 MB): sampled every 512 KiB on average.
        XCTAssertGreaterThan(hoarded, 20_000_000, "\(stacks.prefix(5))")
    }

    func testAKindTheProducerCannotTellIsAUsageError() throws {
        let run = try fg(["memory", "--cmd", "python3 -c pass", "--kind", "allocated"])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("memray"), run.stderr)
    }
}
