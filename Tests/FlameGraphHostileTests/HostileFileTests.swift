import FlameGraphTestSupport
import Foundation
import XCTest

/// Hostile files: decompression bombs, deep trees, spoofing characters, and how outputs are created.
final class HostileFileTests: HostileTestCase {
    func testGzipOfZerosStopsEarly() throws {
        // 1 GB of zeros in about 1 MB of gzip.
        try python(
            "import gzip\nwith gzip.open('zeros.pb.gz','wb',9) as f:\n for _ in range(1024): f.write(bytes(1<<20))")
        let r = try run(["collapse", "--input", "zeros.pb.gz", "-o", "out.folded"], limit: 60)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("decompression bomb"), r.stderr)
        XCTAssertLessThan(r.maxRSSKB, 400 << 10)
    }

    func testEmptyStringTableBombStopsEarly() throws {
        // A valid profile prefix, then 512 MB of empty string-table entries (field 6, length 0).
        try python(
            "import gzip\nwith gzip.open('strings.pb.gz','wb',9) as f:\n"
                + " f.write(b'\\x32\\x00')\n for _ in range(512): f.write(b'\\x32\\x00'*(1<<19))")
        let r = try run(["file", "--input", "strings.pb.gz", "-o", "out.svg"], limit: 60)
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertLessThan(r.seconds, 30)
    }

    /// A 7,000-deep chain with weight on every frame: the folded output (≈170 MB) is written as it is
    /// walked, so memory stays far below the output's size (building it whole took twice that).
    func testCollapseOfADeepChainStreams() throws {
        try python(
            """
            import json
            N=7000
            nodes=[{"id":i,"callFrame":{"functionName":"(root)" if i==1 else "frame%d"%i,"url":"","scriptId":"0",
              "lineNumber":0,"columnNumber":0},"children":[i+1] if i<=N else []} for i in range(1,N+2)]
            samples=list(range(2,N+2))
            json.dump({"nodes":nodes,"startTime":0,"endTime":N,"samples":samples,"timeDeltas":[1]*N},
              open("deep.cpuprofile","w"))
            """)
        let r = try run(["collapse", "--input", "deep.cpuprofile", "-o", "deep.folded"], limit: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/deep.folded")[.size] as! Int
        XCTAssertGreaterThan(size, 150 << 20)
        XCTAssertLessThan(r.maxRSSKB * 1024, size / 2, "collapse held the output in memory")
    }

    func testBidiOverridesAndC1ControlsNeverReachExplainOutput() throws {
        try python(
            """
            import json
            name="invoice\\u202egnp.exe\\u2066x\\u009b31m"
            nodes=[{"id":1,"callFrame":{"functionName":"(root)","url":"","scriptId":"0","lineNumber":0,"columnNumber":0},
              "children":[2]},{"id":2,"callFrame":{"functionName":name,"url":"","scriptId":"0","lineNumber":0,
              "columnNumber":0}}]
            json.dump({"nodes":nodes,"startTime":0,"endTime":3,"samples":[2,2,2],"timeDeltas":[1,1,1]},
              open("bidi.cpuprofile","w"))
            """)
        for markdown in [false, true] {
            let r = try run(["explain", "--input", "bidi.cpuprofile", "-o", "-"] + (markdown ? ["--markdown"] : []))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("invoice"), r.stdout)
            for bad: Unicode.Scalar in ["\u{202E}", "\u{2066}", "\u{9B}"] {
                XCTAssertFalse(r.stdout.unicodeScalars.contains(bad), "U+\(String(bad.value, radix: 16)) in explain")
            }
        }
    }

    func testBidiOverridesAndC1ControlsNeverReachDiffsTerminalSummary() throws {
        let name = "main;evil\u{202E}gnp.exe\u{2067}\u{9B}31m"
        // Enough samples that the growth is a regression even under the default noise level φ₀.
        try "\(name) 1000\nmain;ok 1000\n".write(toFile: dir + "/before.folded", atomically: true, encoding: .utf8)
        try "\(name) 3000\nmain;ok 1000\n".write(toFile: dir + "/after.folded", atomically: true, encoding: .utf8)
        let r = try run([
            "diff", "--before", "before.folded", "--after", "after.folded", "-o", "d.svg", "--threshold", "1",
        ])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("evil"), r.stderr)
        for bad: Unicode.Scalar in ["\u{202E}", "\u{2067}", "\u{9B}", "\u{1B}"] {
            XCTAssertFalse(
                (r.stdout + r.stderr).unicodeScalars.contains(bad), "U+\(String(bad.value, radix: 16)) in diff")
        }
    }

    func testNewOutputsHonourTheUmaskAndExistingOnesKeepTheirMode() throws {
        try "a;b 1\n".write(toFile: dir + "/in.folded", atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["collapse", "--input", "in.folded", "-o", "private.folded"], umask: "077").status, 0)
        XCTAssertEqual(try mode("private.folded"), 0o600)
        XCTAssertEqual(try run(["collapse", "--input", "in.folded", "-o", "shared.folded"], umask: "022").status, 0)
        XCTAssertEqual(try mode("shared.folded"), 0o644)
        FileManager.default.createFile(atPath: dir + "/kept.folded", contents: Data())
        chmod(dir + "/kept.folded", 0o640)
        XCTAssertEqual(try run(["collapse", "--input", "in.folded", "-o", "kept.folded"], umask: "022").status, 0)
        XCTAssertEqual(try mode("kept.folded"), 0o640)
        XCTAssertEqual(try String(contentsOfFile: dir + "/kept.folded", encoding: .utf8), "a;b 1\n")
    }

    private func mode(_ name: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.posixPermissions] as! NSNumber).intValue
    }
}
