import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

final class PprofDecoderTests: XCTestCase {
    typealias Line = PprofTestBuilder.Line

    /// A CPU-like profile: two sample types (samples/count, cpu/nanoseconds), an inlined call
    /// (main.helper inlined into main.compute), an unsymbolized location in a mapped library, one with
    /// no mapping, a name that needs sanitizing, a label, and a zero sample.
    static func handBuilt(packed: Bool = true, defaultSampleType: String? = nil) -> [UInt8] {
        var b = PprofTestBuilder()
        b.packedSamples = packed
        b.defaultSampleType = defaultSampleType
        b.sampleType("samples", "count")
        b.sampleType("cpu", "nanoseconds")
        // Samples first, as Go writes them: they refer to locations defined later.
        b.sample([1, 2, 6], [3, 30_000_000], label: ("thread", "worker"))
        b.sample([2, 6], [1, 10_000_000])
        b.sample([3, 1, 2, 6], [2, 20_000_000])
        b.sample([4, 2, 6], [1, 5])
        b.sample([5, 2, 6], [1, 7])
        b.sample([1, 2, 6], [1, 10_000_000])
        b.sample([2, 6], [0, 0])
        b.mapping(id: 1, start: 0x7f00_0000_0000, limit: 0x7f00_0001_0000, file: "/usr/lib/libfoo.so", buildID: "abc")
        b.location(id: 1, address: 0x401000, lines: [Line(function: 3, line: 12), Line(function: 2, line: 40)])
        b.location(id: 2, address: 0x402000, lines: [Line(function: 1, line: 7)])
        b.location(id: 3, mapping: 1, address: 0x7f00_0000_1234, lines: [])
        b.location(id: 4, address: 0xdead, lines: [])
        b.location(id: 5, lines: [Line(function: 4)])
        b.location(id: 6, lines: [Line(function: 5)])
        b.function(id: 1, name: "main.main")
        b.function(id: 2, name: "main.compute")
        b.function(id: 3, name: "main.helper")
        b.function(id: 4, name: "weird;name\nx")
        b.function(id: 5, name: "runtime.main", file: "proc.go")
        return b.build()
    }

    static let cpuFolded = """
        runtime.main;main.main 10000000
        runtime.main;main.main;0xdead 5
        runtime.main;main.main;main.compute;main.helper 40000000
        runtime.main;main.main;main.compute;main.helper;0x7f0000001234 (libfoo.so) 20000000
        runtime.main;main.main;weird:name x 7

        """

    static let samplesFolded = """
        runtime.main;main.main 1
        runtime.main;main.main;0xdead 1
        runtime.main;main.main;main.compute;main.helper 4
        runtime.main;main.main;main.compute;main.helper;0x7f0000001234 (libfoo.so) 2
        runtime.main;main.main;weird:name x 1

        """

    func assertError(
        _ kind: FlameGraphError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            XCTFail("expected an error containing \(fragments)", file: file, line: line)
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, kind, error.message, file: file, line: line)
            for f in fragments {
                XCTAssertTrue(error.message.contains(f), "'\(error.message)' lacks '\(f)'", file: file, line: line)
            }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }

    // MARK: - Stacks and sample types

    func testLastSampleTypeIsTheDefault() throws {
        let (profile, diagnostics) = try PprofTestSupport.decode(Self.handBuilt())
        XCTAssertEqual(foldedText(profile), Self.cpuFolded)
        XCTAssertEqual(profile.unit, .nanoseconds)
        XCTAssertEqual(profile.totalWeight, 70_000_012)
        XCTAssertEqual(diagnostics.warnings, [])
    }

    func testSampleTypeByNameAndIndex() throws {
        let (samples, _) = try PprofTestSupport.decode(Self.handBuilt(), sampleType: "samples")
        XCTAssertEqual(foldedText(samples), Self.samplesFolded)
        XCTAssertEqual(samples.unit, .samples)
        let (byIndex, _) = try PprofTestSupport.decode(Self.handBuilt(), sampleType: "0")
        XCTAssertEqual(foldedText(byIndex), Self.samplesFolded)
        let (cpu, _) = try PprofTestSupport.decode(Self.handBuilt(), sampleType: "cpu")
        XCTAssertEqual(foldedText(cpu), Self.cpuFolded)
    }

    func testDefaultSampleTypeField() throws {
        let (profile, diagnostics) = try PprofTestSupport.decode(Self.handBuilt(defaultSampleType: "samples"))
        XCTAssertEqual(foldedText(profile), Self.samplesFolded)
        XCTAssertEqual(diagnostics.warnings, [])
        // An explicit choice wins over the profile's default.
        let (cpu, _) = try PprofTestSupport.decode(Self.handBuilt(defaultSampleType: "samples"), sampleType: "cpu")
        XCTAssertEqual(foldedText(cpu), Self.cpuFolded)
        // A default naming no sample type: the last one, with a warning.
        let (fallback, warned) = try PprofTestSupport.decode(Self.handBuilt(defaultSampleType: "wall"))
        XCTAssertEqual(foldedText(fallback), Self.cpuFolded)
        XCTAssertEqual(
            warned.warnings, ["test.pb.gz: default sample type 'wall' is not one of 'samples', 'cpu'; using 'cpu'"])
    }

    func testUnknownSampleTypeListsTheAvailableOnes() {
        assertError(.usage, ["test.pb.gz: no sample type 'alloc_space'", "'samples', 'cpu'", "--sample-type"]) {
            _ = try PprofTestSupport.decode(Self.handBuilt(), sampleType: "alloc_space")
        }
        assertError(.usage, ["no sample type '2'"]) {
            _ = try PprofTestSupport.decode(Self.handBuilt(), sampleType: "2")
        }
    }

    func testUnpackedSamplesDecodeTheSame() throws {
        let (profile, _) = try PprofTestSupport.decode(Self.handBuilt(packed: false))
        XCTAssertEqual(foldedText(profile), Self.cpuFolded)
    }

    func testGzipAndMultiMemberGzip() throws {
        let raw = Self.handBuilt()
        let (profile, _) = try PprofTestSupport.decode(PprofTestSupport.gzip(raw))
        XCTAssertEqual(foldedText(profile), Self.cpuFolded)
        // Two gzip members (like `cat a.gz b.gz`) make one stream; zero padding after them is ignored.
        let split = raw.count / 2
        let twoMembers =
            PprofTestSupport.gzip(Array(raw[..<split])) + PprofTestSupport.gzip(Array(raw[split...]), level: 1)
        let (again, _) = try PprofTestSupport.decode(twoMembers + [0, 0, 0, 0])
        XCTAssertEqual(foldedText(again), Self.cpuFolded)
        assertError(.badInput, ["test.pb.gz: unexpected data after the gzip data at byte \(twoMembers.count)"]) {
            _ = try PprofTestSupport.decode(twoMembers + [0x50, 0x4B])
        }
    }

    func testOnlyReferencedNamesAreInterned() throws {
        var b = PprofTestBuilder()
        b.sampleType("samples", "count")
        b.sample([1], [1])
        b.location(id: 1, lines: [Line(function: 1)])
        b.location(id: 2, lines: [Line(function: 2)])
        b.function(id: 1, name: "used")
        b.function(id: 2, name: "unused")
        let (profile, _) = try PprofTestSupport.decode(b.build())
        XCTAssertNotNil(profile.names.lookup("used"))
        XCTAssertNil(profile.names.lookup("unused"))
        XCTAssertEqual(profile.unit, .samples)
    }

    func testSparseIdsAndNamelessFunctions() throws {
        var b = PprofTestBuilder()
        b.sampleType("alloc_space", "bytes")
        b.sampleType("weird", "furlongs")
        let big: UInt64 = 0xFFFF_FFFF_FFFF_FF00
        b.sample([big, 7], [4096, 1])
        b.sample([9], [100, 2])
        b.location(id: big, address: 0xabc, lines: [Line(function: 1 << 40)])  // a nameless function
        b.location(id: 7, lines: [Line(function: 3), Line(function: 0)])  // function 0: no function
        b.location(id: 9, lines: [Line(function: 4)])
        b.function(id: 1 << 40, name: "")
        b.function(id: 3, name: "caller")
        b.function(id: 4, name: "", systemName: "_ZN3foo3barEv")
        let (bytes, _) = try PprofTestSupport.decode(b.build(), sampleType: "alloc_space")
        XCTAssertEqual(foldedText(bytes), "_ZN3foo3barEv 100\ncaller;0xabc 4096\n")
        XCTAssertEqual(bytes.unit, .bytes)
        let (other, _) = try PprofTestSupport.decode(b.build())
        XCTAssertEqual(other.unit, .count)
        XCTAssertEqual(other.totalWeight, 3)
    }

    func testUnitMapping() throws {
        for (unit, expected) in [
            ("nanoseconds", WeightUnit.nanoseconds), ("microseconds", .microseconds), ("bytes", .bytes),
            ("count", .samples), ("milliseconds", .count), ("", .count),
        ] {
            var b = PprofTestBuilder()
            b.sampleType("t", unit)
            b.sample([1], [5])
            b.location(id: 1, address: 0x10, lines: [])
            let (profile, _) = try PprofTestSupport.decode(b.build())
            XCTAssertEqual(profile.unit, expected, unit)
            XCTAssertEqual(foldedText(profile), "0x10 5\n")
        }
    }

    func testNegativeValuesAreSkippedWithANote() throws {
        var b = PprofTestBuilder()
        b.sampleType("inuse_space", "bytes")
        b.sample([1], [100])
        b.sample([1], [-40])
        b.sample([2, 1], [-1])
        b.sample([], [8])
        b.location(id: 1, lines: [Line(function: 1)])
        b.location(id: 2, lines: [Line(function: 2)])
        b.function(id: 1, name: "main.main")
        b.function(id: 2, name: "main.free")
        let (profile, diagnostics) = try PprofTestSupport.decode(b.build(), source: "heap.pb")
        XCTAssertEqual(foldedText(profile), "[no stack] 8\nmain.main 100\n")
        XCTAssertEqual(diagnostics.warnings, ["heap.pb: skipped 2 samples with a negative 'inuse_space' value"])
    }

    func testDropFramesIsReportedAsNotApplied() throws {
        var b = PprofTestBuilder()
        b.sampleType("samples", "count")
        b.sample([1], [1])
        b.location(id: 1, address: 1, lines: [])
        var bytes = b.build()
        // drop_frames = a new string-table entry.
        var e = ProtobufTestEncoder()
        e.string(6, "runtime\\..*")
        e.int(7, Int64(b.strings.count))
        bytes += e.bytes
        let (_, diagnostics) = try PprofTestSupport.decode(bytes)
        XCTAssertEqual(
            diagnostics.warnings, ["test.pb.gz: the profile's drop_frames pattern 'runtime\\..*' is not applied"])
    }

    // MARK: - Referential integrity

    func testReferentialIntegrity() {
        func profile(_ edit: (inout PprofTestBuilder) -> Void) -> [UInt8] {
            var b = PprofTestBuilder()
            b.sampleType("samples", "count")
            b.function(id: 1, name: "f")
            edit(&b)
            return b.build()
        }
        assertError(.badInput, ["test.pb.gz: sample #1", "refers to unknown location id 9"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([9], [1])
                    b.location(id: 1, lines: [Line(function: 1)])
                })
        }
        // Unknown locations fail even in samples that are not drawn.
        assertError(.badInput, ["sample #2", "unknown location id 5"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1])
                    b.sample([5], [0])
                    b.location(id: 1, lines: [Line(function: 1)])
                })
        }
        assertError(.badInput, ["location at byte", "refers to unknown function id 2"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1])
                    b.location(id: 1, lines: [Line(function: 2)])
                })
        }
        assertError(.badInput, ["refers to unknown mapping id 3"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1])
                    b.location(id: 1, mapping: 3, address: 1, lines: [])
                })
        }
        assertError(.badInput, ["duplicate location id 1"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1])
                    b.location(id: 1, lines: [Line(function: 1)])
                    b.location(id: 1, lines: [Line(function: 1)])
                })
        }
        assertError(.badInput, ["duplicate function id 1"]) {
            _ = try PprofTestSupport.decode(profile { b in b.function(id: 1, name: "g") })
        }
        assertError(.badInput, ["location #1 has id 0, which is reserved"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1])
                    b.location(id: 0, lines: [Line(function: 1)])
                })
        }
        assertError(.badInput, ["sample #1", "has 2 values but the profile declares 1 sample types"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [1, 2])
                    b.location(id: 1, lines: [Line(function: 1)])
                })
        }
        assertError(.badInput, ["test.pb.gz: none of the profile's 1 samples has a positive 'samples' value"]) {
            _ = try PprofTestSupport.decode(
                profile { b in
                    b.sample([1], [0])
                    b.location(id: 1, lines: [Line(function: 1)])
                })
        }
        assertError(.badInput, ["test.pb.gz: the pprof profile has no samples"]) {
            _ = try PprofTestSupport.decode(profile { _ in })
        }
        assertError(.badInput, ["test.pb.gz: the pprof profile has no samples"]) {
            _ = try PprofTestSupport.decode([])
        }
        assertError(.badInput, ["has samples but declares no sample types"]) {
            var b = PprofTestBuilder()
            b.sample([], [])
            _ = try PprofTestSupport.decode(b.build())
        }
    }

    func testStringIndicesAreChecked() {
        func withFunction(name: Int64) -> [UInt8] {
            var b = PprofTestBuilder()
            b.sampleType("samples", "count")
            b.sample([1], [1])
            b.location(id: 1, lines: [Line(function: 1)])
            b.body.message(5) { m in
                m.uint(1, 1)
                m.int(2, name)
            }
            return b.build()
        }
        assertError(.badInput, ["string index 999 in function 1", "out of range", "the string table has"]) {
            _ = try PprofTestSupport.decode(withFunction(name: 999))
        }
        assertError(.badInput, ["string index -3 in function 1"]) {
            _ = try PprofTestSupport.decode(withFunction(name: -3))
        }
        assertError(.badInput, ["string index 40 in sample type #1"]) {
            var b = PprofTestBuilder()
            b.body.message(1) { m in m.int(1, 40) }
            _ = try PprofTestSupport.decode(b.build())
        }
        assertError(.badInput, ["string index 12 in default_sample_type"]) {
            var b = PprofTestBuilder()
            b.sampleType("samples", "count")
            b.sample([], [1])
            b.body.int(14, 12)
            _ = try PprofTestSupport.decode(b.build())
        }
    }

    func testProtobufErrorsNameTheSourceAndOffset() throws {
        var bytes = Self.handBuilt()
        bytes += [0x0A, 0x7F]  // a sample_type claiming 127 bytes at the very end
        assertError(.badInput, ["test.pb.gz: length-delimited value at byte \(bytes.count - 1) claims 127 bytes"]) {
            _ = try PprofTestSupport.decode(bytes)
        }
        // Offsets in compressed input count decompressed bytes, and the message says so.
        assertError(.badInput, ["at byte \(bytes.count - 1)", "(offsets count decompressed bytes)"]) {
            _ = try PprofTestSupport.decode(PprofTestSupport.gzip(bytes))
        }
    }

    // MARK: - Bounds

    /// One location inlining 1,000 functions, referenced 50,000 times by one sample: 50 million frames
    /// from ~60 KB. The decoder stops at a budget proportional to the input instead of building them.
    func testInlineAmplificationIsBounded() {
        var b = PprofTestBuilder()
        b.sampleType("samples", "count")
        b.sample([UInt64](repeating: 1, count: 50_000), [1])
        b.location(id: 1, lines: (1...1000).map { Line(function: UInt64($0)) })
        for f in 1...1000 { b.function(id: UInt64(f), name: "f\(f)") }
        let bytes = b.build()
        let start = Date()
        assertError(.badInput, ["stacks expand to too many frames for a \(bytes.count)-byte profile"]) {
            _ = try PprofTestSupport.decode(bytes)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
    }

    func testDecompressionLimit() throws {
        let bomb = PprofTestSupport.gzip([UInt8](repeating: 0, count: 64 << 20), level: 9)
        XCTAssertLessThan(bomb.count, 200_000)
        var options = PprofOptions()
        options.maxDecompressedBytes = 8 << 20
        assertError(.badInput, ["bomb.pb.gz: gzip data expands to more than 8388608 bytes"]) {
            _ = try PprofDecoder.decode(bomb, sourceName: "bomb.pb.gz", options: options)
        }
        assertError(.badInput, ["gzip data expands to more than 1000 bytes"]) {
            _ = try Gzip.decompress(bomb, limit: 1000)
        }
        // Exactly at the limit is fine.
        let exact = try Gzip.decompress(PprofTestSupport.gzip([UInt8](repeating: 7, count: 5000)), limit: 5000)
        XCTAssertEqual(exact, [UInt8](repeating: 7, count: 5000))
    }
}
