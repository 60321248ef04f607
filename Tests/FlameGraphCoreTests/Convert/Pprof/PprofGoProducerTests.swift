import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real producer: a Go program serving `net/http/pprof` on the loopback interface, profiled while it
/// burns CPU in `main.hotFunction` (most) and `main.warmFunction` (less) and allocates in
/// `main.allocator`. Its profiles are decoded and checked against Go's own reading of them
/// (`go tool pprof -raw`) and against sums computed here with the protobuf reader.
///
/// Needs `go` (Debian: `apt-get install -y golang-go`); skipped when it is missing.
final class PprofGoProducerTests: XCTestCase {
    static let program = #"""
        package main

        import (
        	"fmt"
        	"io"
        	"net"
        	"net/http"
        	_ "net/http/pprof"
        	"os"
        	"runtime"
        	"time"
        )

        var sink [][]byte
        var result uint64

        // mix is small enough to be inlined into its callers: its samples carry two lines.
        func mix(x uint64) uint64 {
        	x ^= x << 13
        	x ^= x >> 7
        	x ^= x << 17
        	return x
        }

        //go:noinline
        func hotFunction(n int) uint64 {
        	x := uint64(n) | 1
        	for i := 0; i < 3000000; i++ {
        		x = mix(x)
        	}
        	return x
        }

        //go:noinline
        func warmFunction(n int) uint64 {
        	x := uint64(n) | 1
        	for i := 0; i < 1000000; i++ {
        		x = mix(x) + uint64(i)
        	}
        	return x
        }

        //go:noinline
        func allocator(n int) {
        	b := make([]byte, 64<<10)
        	b[0] = byte(n)
        	sink = append(sink, b)
        	if len(sink) > 64 {
        		sink = sink[1:]
        	}
        }

        func main() {
        	runtime.MemProfileRate = 4096
        	ln, err := net.Listen("tcp", "127.0.0.1:0")
        	if err != nil {
        		fmt.Fprintln(os.Stderr, err)
        		os.Exit(1)
        	}
        	go http.Serve(ln, nil)
        	// Exit when the test closes stdin (or dies), and in any case after two minutes.
        	go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
        	go func() { time.Sleep(120 * time.Second); os.Exit(0) }()
        	if err := os.WriteFile(os.Args[1]+".tmp", []byte(ln.Addr().String()), 0o644); err != nil {
        		os.Exit(1)
        	}
        	os.Rename(os.Args[1]+".tmp", os.Args[1])
        	for i := 0; ; i++ {
        		result += hotFunction(i)
        		result += warmFunction(i)
        		allocator(i)
        	}
        }
        """#

    var directory: URL!
    var server: Process?
    var serverStdin: Pipe?

    override func tearDown() {
        if let server, server.isRunning {
            try? serverStdin?.fileHandleForWriting.close()
            server.terminate()
            let deadline = Date().addingTimeInterval(5)
            while server.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        }
        server = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    // MARK: - Processes

    static func findGo() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/go" } + ["/usr/lib/go/bin/go", "/usr/local/go/bin/go"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Go's environment, everything in the test's temporary directory and nothing fetched.
    func goEnvironment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["GOPATH"] = directory.appendingPathComponent("gopath").path
        env["GOCACHE"] = directory.appendingPathComponent("gocache").path
        env["GOPROXY"] = "off"
        env["GOFLAGS"] = "-mod=mod"
        env["GOTOOLCHAIN"] = "local"
        env["CGO_ENABLED"] = "0"
        env["HOME"] = directory.path
        env["PPROF_TMPDIR"] = directory.path
        return env
    }

    /// Runs `executable` to completion within `timeout` seconds; returns its stdout (stderr is in failures).
    @discardableResult
    func run(_ executable: String, _ arguments: [String], timeout: TimeInterval) throws -> String {
        let r = try TestProcess.run(
            executable, arguments, in: directory.path, timeout: timeout, environment: goEnvironment())
        let command = "\(executable) \(arguments.joined(separator: " "))"
        if r.timedOut { throw FlameGraphError(.unavailable, "\(command) timed out after \(Int(timeout)) s") }
        guard r.status == 0 else { throw FlameGraphError(.internal, "\(command) failed (\(r.status)): \(r.stderr)") }
        return r.stdout
    }

    func fetch(_ url: URL, timeout: TimeInterval) async throws -> [UInt8] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(from: url)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        XCTAssertEqual(status, 200, "\(url): \(String(decoding: data.prefix(300), as: UTF8.self))")
        return [UInt8](data)
    }

    // MARK: - Independent readings

    /// Sums of each sample type's values, and the profile's period, read with the protobuf reader alone.
    static func independentTotals(_ bytes: [UInt8]) throws -> (totals: [Double], period: Int64) {
        let data = Gzip.isGzip(bytes) ? try Gzip.decompress(bytes) : bytes
        var reader = ProtobufReader(data)
        var totals: [Double] = []
        var types = 0
        var period: Int64 = 0
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                _ = try reader.readMessage(field)
                types += 1
            case 2:
                var sample = try reader.readMessage(field)
                var values: [Int64] = []
                while let f = try sample.nextField() {
                    if f.number == 2 { try sample.readRepeatedInt64(f, into: &values) } else { try sample.skip(f) }
                }
                if totals.count < values.count { totals += [Double](repeating: 0, count: values.count - totals.count) }
                for (i, v) in values.enumerated() where v > 0 { totals[i] += Double(v) }
            case 12:
                period = try reader.readInt64(field)
            default:
                try reader.skip(field)
            }
        }
        if totals.count < types { totals += [Double](repeating: 0, count: types - totals.count) }
        return (totals, period)
    }

    /// Go's own reading (`go tool pprof -raw`), turned into folded stacks here: sample type names,
    /// per-type totals, and per-type `stack → weight` maps (stacks root first, inlined frames expanded).
    struct RawReading {
        var types: [String] = []
        var totals: [Double] = []
        var stacks: [[String: Double]] = []
    }

    static func parseRaw(_ text: String) -> RawReading {
        enum Section { case header, samples, locations, mappings }
        var section = Section.header
        var reading = RawReading()
        var samples: [(values: [Int64], locations: [UInt64])] = []
        var locationLines: [UInt64: [String]] = [:]
        var locationName: [UInt64: String] = [:]
        var locationMapping: [UInt64: UInt64] = [:]
        var mappingFile: [UInt64: String] = [:]
        var current: UInt64 = 0
        var expectTypes = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            switch trimmed {
            case "Samples:":
                section = .samples
                expectTypes = true
                continue
            case "Locations":
                section = .locations
                continue
            case "Mappings":
                section = .mappings
                continue
            default: break
            }
            let tokens = trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            switch section {
            case .header:
                continue
            case .samples:
                if expectTypes {
                    reading.types = tokens.map { String($0.split(separator: "/").first ?? "") }
                    expectTypes = false
                    continue
                }
                // "v1 v2: loc loc loc"; label lines ("bytes:[48]") do not start with a number.
                guard let colon = trimmed.firstIndex(of: ":") else { continue }
                let fields = trimmed[..<colon].split(separator: " ")
                let values = fields.compactMap { Int64($0) }
                guard values.count == fields.count, values.count == reading.types.count else { continue }
                let ids = trimmed[trimmed.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
                samples.append((values, ids))
            case .locations:
                // "  12: 0x4a3b2c M=1 name file:line s=0" or a continuation "    name file:line s=0".
                if let first = tokens.first, first.hasSuffix(":"), let id = UInt64(first.dropLast()) {
                    current = id
                    locationLines[id] = []
                    var rest = tokens.dropFirst()
                    if let address = rest.first, address.hasPrefix("0x") {
                        locationName[id] = address
                        rest = rest.dropFirst()
                    }
                    if let m = rest.first, m.hasPrefix("M="), let mapping = UInt64(m.dropFirst(2)) {
                        locationMapping[id] = mapping
                        rest = rest.dropFirst()
                    }
                    if rest.first == "[F]" { rest = rest.dropFirst() }
                    if let name = rest.first { locationLines[id]!.append(name) }
                } else if let name = tokens.first {
                    locationLines[current, default: []].append(name)
                }
            case .mappings:
                // "1: 0x400000/0x672000/0x0 /path/to/binary  [FN]"
                if tokens.count >= 3, let id = UInt64(tokens[0].dropLast()), tokens[1].contains("/") {
                    mappingFile[id] = tokens[2].hasPrefix("[") ? "" : tokens[2]
                }
            }
        }
        reading.totals = [Double](repeating: 0, count: reading.types.count)
        reading.stacks = [[String: Double]](repeating: [:], count: reading.types.count)
        for sample in samples {
            var frames: [String] = []
            for id in sample.locations.reversed() {
                let lines = locationLines[id] ?? []
                if lines.isEmpty {
                    var name = locationName[id] ?? "0x0"
                    if let m = locationMapping[id], let file = mappingFile[m], !file.isEmpty {
                        name += " (\(file.split(separator: "/").last ?? ""))"
                    }
                    frames.append(name)
                } else {
                    frames += lines.reversed()
                }
            }
            let stack = frames.isEmpty ? PprofDecoder.noStackFrame : frames.joined(separator: ";")
            for (i, v) in sample.values.enumerated() where v > 0 {
                reading.totals[i] += Double(v)
                reading.stacks[i][stack, default: 0] += Double(v)
            }
        }
        return reading
    }

    /// `stack → weight` from our folded output.
    static func stackMap(_ profile: Profile) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in foldedText(profile).split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let w = Double(line[line.index(after: space)...]) else {
                continue
            }
            out[String(line[..<space]), default: 0] += w
        }
        return out
    }

    /// Total weight of the stacks that pass through a frame named `name`.
    static func inclusive(_ name: String, in stacks: [String: Double]) -> Double {
        stacks.reduce(0) { sum, entry in
            sum + (entry.key.split(separator: ";").contains { $0 == name } ? entry.value : 0)
        }
    }

    // MARK: - The test

    func testGoNetHTTPPprofProfiles() async throws {
        guard let go = Self.findGo() else {
            try RequiredTool.missing("go is not installed (apt-get install -y golang-go)")
        }
        directory = URL(fileURLWithPath: try makeTemporaryDirectory("pprof-go"))
        let source = directory.appendingPathComponent("server.go")
        try Self.program.write(to: source, atomically: true, encoding: .utf8)
        let binary = directory.appendingPathComponent("server").path
        try run(go, ["build", "-o", binary, source.path], timeout: 300)

        // Start the server; it writes its address (a free port on 127.0.0.1) to a file.
        let addressFile = directory.appendingPathComponent("address")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [addressFile.path]
        process.environment = goEnvironment()
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        serverStdin = stdin
        var address: String? = nil
        let deadline = Date().addingTimeInterval(30)
        while address == nil && Date() < deadline && process.isRunning {
            address = try? String(contentsOf: addressFile, encoding: .utf8)
            if address == nil { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        let host = try XCTUnwrap(address, "the Go server did not start within 30 s")
        XCTAssertTrue(host.hasPrefix("127.0.0.1:"), host)

        // CPU: 2 seconds of profiling, gzip-compressed.
        let cpuBytes = try await fetch(URL(string: "http://\(host)/debug/pprof/profile?seconds=2")!, timeout: 60)
        XCTAssertTrue(Gzip.isGzip(cpuBytes), "the CPU profile is gzip-compressed")
        let cpuFile = directory.appendingPathComponent("cpu.pb.gz")
        try Data(cpuBytes).write(to: cpuFile)

        let (cpu, cpuDiagnostics) = try PprofTestSupport.decode(cpuBytes, source: "cpu.pb.gz")
        XCTAssertEqual(cpuDiagnostics.warnings, [])
        XCTAssertEqual(cpu.unit, .nanoseconds, "the last sample type (cpu/nanoseconds) is the default")
        let (samples, _) = try PprofTestSupport.decode(cpuBytes, sampleType: "samples", source: "cpu.pb.gz")
        XCTAssertEqual(samples.unit, .samples)
        let (explicitCPU, _) = try PprofTestSupport.decode(cpuBytes, sampleType: "cpu", source: "cpu.pb.gz")
        XCTAssertEqual(FoldedWriter.write(explicitCPU), FoldedWriter.write(cpu))

        // Totals: the protobuf reader's own sums, and Go's CPU values being count × period.
        let (totals, period) = try Self.independentTotals(cpuBytes)
        XCTAssertEqual(totals.count, 2)
        XCTAssertEqual(samples.totalWeight, totals[0])
        XCTAssertEqual(cpu.totalWeight, totals[1])
        XCTAssertGreaterThan(period, 0)
        XCTAssertEqual(cpu.totalWeight, samples.totalWeight * Double(period))
        XCTAssertGreaterThanOrEqual(samples.totalWeight, 20, "2 s of a busy loop at 100 Hz, even on a loaded machine")

        // Where the time went.
        let cpuStacks = Self.stackMap(cpu)
        let hot = Self.inclusive("main.hotFunction", in: cpuStacks)
        let warm = Self.inclusive("main.warmFunction", in: cpuStacks)
        XCTAssertGreaterThan(warm, 0)
        XCTAssertGreaterThan(hot, warm, "hotFunction loops 3× as long as warmFunction")
        XCTAssertGreaterThan(hot / cpu.totalWeight, 0.3)
        // main.mix is inlined: expanded under its caller, never above it.
        XCTAssertTrue(cpuStacks.keys.contains { $0.contains("main.hotFunction;main.mix") }, "\(cpuStacks.keys)")
        XCTAssertFalse(cpuStacks.keys.contains { $0.contains("main.mix;main.hotFunction") })

        // Heap: four sample types; alloc_space holds main.allocator. A heap profile shows the state as
        // of the last finished GC cycles: gc=1 runs one first, so recent allocations are in it.
        let heapBytes = try await fetch(URL(string: "http://\(host)/debug/pprof/heap?gc=1")!, timeout: 30)
        let heapFile = directory.appendingPathComponent("heap.pb.gz")
        try Data(heapBytes).write(to: heapFile)
        let (allocSpace, _) = try PprofTestSupport.decode(heapBytes, sampleType: "alloc_space", source: "heap.pb.gz")
        XCTAssertEqual(allocSpace.unit, .bytes)
        let allocStacks = Self.stackMap(allocSpace)
        let allocated = Self.inclusive("main.allocator", in: allocStacks)
        XCTAssertGreaterThan(allocated, 0, "\(allocStacks.keys)")
        XCTAssertTrue(allocStacks.keys.contains { $0.hasSuffix("main.main;main.allocator") })
        let (allocObjects, _) = try PprofTestSupport.decode(
            heapBytes, sampleType: "alloc_objects", source: "heap.pb.gz")
        XCTAssertEqual(allocObjects.unit, .samples)
        let (inuse, _) = try PprofTestSupport.decode(heapBytes, source: "heap.pb.gz")
        let (inuseSpace, _) = try PprofTestSupport.decode(heapBytes, sampleType: "inuse_space", source: "heap.pb.gz")
        XCTAssertEqual(FoldedWriter.write(inuse), FoldedWriter.write(inuseSpace), "inuse_space is the last type")
        let (heapTotals, _) = try Self.independentTotals(heapBytes)
        XCTAssertEqual(heapTotals.count, 4)
        XCTAssertEqual(allocObjects.totalWeight, heapTotals[0])
        XCTAssertEqual(allocSpace.totalWeight, heapTotals[1])
        XCTAssertEqual(inuseSpace.totalWeight, heapTotals[3])

        // Go's own reading of the same files: every sample type's stacks and totals match exactly.
        var compared = 0
        for (file, decodeAs) in [
            (cpuFile, ["samples", "cpu"]),
            (heapFile, ["alloc_objects", "alloc_space", "inuse_objects", "inuse_space"]),
        ] {
            let raw = Self.parseRaw(try run(go, ["tool", "pprof", "-raw", file.path], timeout: 120))
            XCTAssertEqual(raw.types, decodeAs, file.lastPathComponent)
            let bytes = [UInt8](try Data(contentsOf: file))
            for (i, type) in raw.types.enumerated() {
                guard raw.totals[i] > 0 else { continue }  // e.g. inuse_objects can be all zero
                let (profile, _) = try PprofTestSupport.decode(bytes, sampleType: type, source: file.lastPathComponent)
                XCTAssertEqual(profile.totalWeight, raw.totals[i], "\(file.lastPathComponent) \(type) total")
                XCTAssertEqual(Self.stackMap(profile), raw.stacks[i], "\(file.lastPathComponent) \(type) stacks")
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 4, "cpu, samples, alloc_objects and alloc_space at least")
    }
}
