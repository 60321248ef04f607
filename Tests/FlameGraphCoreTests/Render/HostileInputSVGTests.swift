import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Whatever bytes a frame name holds — invalid UTF-8, NUL, control characters, bidi overrides — every
/// SVG stays well-formed XML (checked by Foundation's parser and by `xmllint --noout`), labels cannot
/// reorder the text around them, and the embedded stacks give back the exact bytes.
final class HostileInputSVGTests: XCTestCase {
    /// Byte sequences spliced into real frame names.
    static let hostile: [[UInt8]] = [
        [0xFF, 0xFE],  // never valid in UTF-8
        [0xC0, 0xAF],  // overlong "/"
        [0xED, 0xA0, 0x80],  // a UTF-16 surrogate encoded as UTF-8
        [0xE2, 0x82],  // truncated sequence
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0x00],  // NUL
        [0x1B, 0x5B, 0x33, 0x31, 0x6D],  // ESC[31m
        [0x07, 0x08, 0x0B, 0x0C, 0x7F],  // BEL, BS, VT, FF, DEL
        Array("\u{202E}gnp.exe\u{202C}".utf8),  // right-to-left override
        Array("\u{2067}isolate\u{2069}".utf8),
        Array("]]></metadata><script>alert(1)</script>".utf8),
        Array("\u{FFFE}\u{FFFF}".utf8),
    ]

    /// Real folded stacks with one hostile sequence spliced into each of the first frames.
    func hostileFolded() throws -> [UInt8] {
        let lines = try RenderFidelityTests.fixture("async-profiler-collapsed-part.txt")
            .split(separator: 0x0A).prefix(60)
        var out: [UInt8] = []
        for (i, line) in lines.enumerated() {
            let cut = line.firstIndex(of: 0x3B) ?? line.startIndex
            out += line[..<cut] + Self.hostile[i % Self.hostile.count] + line[cut...] + [0x0A]
        }
        return out
    }

    /// A real `perf script` capture with hostile bytes in its symbol names.
    func hostilePerf() throws -> [UInt8] {
        let text = try RenderFidelityTests.fixture("perf-funcab-cmd-01.txt")
        var out: [UInt8] = []
        var k = 0
        for line in text.split(separator: 0x0A, omittingEmptySubsequences: false) {
            out += line
            if line.first == 0x09, let paren = line.lastIndex(of: 0x28) {
                // "\t  400577 func_b (/root/…)": splice before " (".
                out.removeLast(line.endIndex - paren + 1)
                out += Self.hostile[k % Self.hostile.count] + [0x20] + line[paren...]
                k += 1
            }
            out.append(0x0A)
        }
        return out
    }

    func assertWellFormed(_ svg: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        assertWellFormedXML(Data(svg), what, file: file, line: line)
        let xmllint = try RequiredTool.require("xmllint", install: "apt-get install libxml2-utils")
        let dir = try makeTemporaryDirectory("fg-hostile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/graph.svg"
        try Data(svg).write(to: URL(fileURLWithPath: path))
        let lint = try TestProcess.run(xmllint, ["--noout", path])
        XCTAssertEqual(lint.status, 0, "\(what): xmllint: \(lint.stderr.prefix(300))", file: file, line: line)
    }

    func check(_ input: [UInt8], name: String) throws {
        let profile = try ProfileReader.decode(input, sourceName: name).profile
        var optionSets: [RenderOptions] = [RenderOptions()]
        var o = RenderOptions()
        o.coloring = .hotCold
        o.inverted = true
        optionSets.append(o)
        o = RenderOptions()
        o.palette = .java
        o.truncateTextRight = true
        o.title = String(decoding: Self.hostile[0] + Self.hostile[8], as: UTF8.self)
        optionSets.append(o)
        for options in optionSets {
            let svg = try FlameGraphSVG.render(profile, options: options)
            try assertWellFormed(svg, "\(name), \(options.resolvedTitle)")
            XCTAssertFalse(svg.contains(0x00) || svg.contains(0x1B) || svg.contains(0x07), "control bytes leaked")
            let text = String(decoding: svg, as: UTF8.self)
            XCTAssertNotNil(String(validating: svg, as: UTF8.self), "the SVG is valid UTF-8")
            XCTAssertFalse(text.contains("\u{202E}") || text.contains("\u{2067}"), "bidi controls reach the page")
            XCTAssertFalse(text.contains("<script>alert"), "markup from a frame name leaked")
            // The embedded stacks hold the names' exact bytes, hostile ones included.
            let back = try ProfileReader.decode(svg, sourceName: "svg").profile
            XCTAssertEqual(FoldedWriter.write(back), FoldedWriter.write(profile), "\(name): embedded stacks")
        }
    }

    func testHostileFoldedInputGivesWellFormedSVGsAndExactStacks() throws {
        let input = try hostileFolded()
        XCTAssertNil(String(validating: input, as: UTF8.self), "the input really is invalid UTF-8")
        try check(input, name: "hostile.folded")
    }

    func testHostilePerfScriptGivesWellFormedSVGsAndExactStacks() throws {
        try check(try hostilePerf(), name: "hostile perf script")
    }

    /// Version 1 as earlier releases wrote it: XML-escaped text, absolute parent indices.
    static func version1SVG(_ profile: Profile) -> [UInt8] {
        var v1 = "flame-graph-stacks 1 samples 0\nnames \(profile.names.count)\n"
        for id in 0..<Int32(profile.names.count) { v1 += XMLText.escape(profile.names.string(id)) + "\n" }
        v1 += "nodes \(profile.nodeCount - 1)\n"
        for node in 1..<profile.nodeCount {
            v1 +=
                "\(profile.parent[node]) \(profile.name[node] + 1) \(NumberFormatting.weight(profile.selfWeight[node]))\n"
        }
        return Array(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><metadata id=\"flame-graph-stacks\">\(v1)</metadata></svg>".utf8)
    }

    func testOldUncompressedEmbeddedStacksStillReadBack() throws {
        let real = try RenderFidelityTests.load("async-profiler-collapsed-part.txt")
        let back = try ProfileReader.decode(Self.version1SVG(real), sourceName: "old.svg").profile
        XCTAssertEqual(FoldedWriter.write(back), FoldedWriter.write(real))
        // Version 1 stored names as XML text, so hostile bytes came back changed; they still read.
        let hostile = try ProfileReader.decode(try hostileFolded(), sourceName: "hostile").profile
        let old = try ProfileReader.decode(Self.version1SVG(hostile), sourceName: "old.svg").profile
        XCTAssertEqual(old.totalWeight, hostile.totalWeight)
    }

    func testEmbeddedStacksAreCompactAndCorruptionIsBadInput() throws {
        var text = ""
        let lines = String(
            decoding: try RenderFidelityTests.fixture("async-profiler-collapsed-part.txt"), as: UTF8.self
        )
        .split(separator: "\n")
        for copy in 0..<200 { for line in lines { text += "proc-\(copy);\(line)\n" } }
        let profile = try ProfileReader.decode(Array(text.utf8), sourceName: "copies").profile
        let svg = try FlameGraphSVG.render(profile, options: RenderOptions())
        let s = String(decoding: svg, as: UTF8.self)
        let open = try XCTUnwrap(s.range(of: "<metadata id=\"flame-graph-stacks\" encoding=\"zlib-base64\">"))
        let close = try XCTUnwrap(s.range(of: "</metadata>", range: open.upperBound..<s.endIndex))
        let embedded = s.distance(from: open.upperBound, to: close.lowerBound)
        XCTAssertLessThan(embedded * 20, text.utf8.count, "embedded stacks are under 5% of the folded input")
        XCTAssertEqual(
            FoldedWriter.write(try ProfileReader.decode(svg, sourceName: "svg").profile), FoldedWriter.write(profile))
        // A flipped base64 character is reported as corrupt stacks, not a crash or a wrong graph.
        var broken = Array(s.utf8)
        let at = s.utf8.distance(from: s.utf8.startIndex, to: open.upperBound.samePosition(in: s.utf8)!) + embedded / 2
        broken[at] = broken[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        XCTAssertThrowsError(try ProfileReader.decode(broken, sourceName: "broken.svg")) { error in
            XCTAssertEqual((error as? FlameGraphError)?.kind, .badInput)
            XCTAssertTrue((error as? FlameGraphError)?.message.contains("broken.svg") == true, "\(error)")
        }
    }
}
