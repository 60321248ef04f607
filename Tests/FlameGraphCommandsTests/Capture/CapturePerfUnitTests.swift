import FlameGraphCore
import FlameGraphStore
import FlameGraphTestSupport
import Foundation
import XCTest

/// What a `flame-graph perf` capture's weights are, on real recordings: cpu-clock periods, drawn as
/// time, with the period as the sampling interval — which a saved baseline keeps (git-ref and
/// directory stores alike), so the gate counts the same samples the capture reported. Baselines saved
/// before the interval was kept (period weights labelled as samples) still gate.
final class CapturePerfUnitTests: CaptureTestCase {
    var binary = ""
    let repo = ["--service", "cpuwork"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireTools("perf", "gcc", "git")
        binary = try compile("cpuwork", CapturePerfTests.workload)
        try makeRepository()
    }

    /// The number `pattern`'s one group matches (`([0-9,]+)`), commas dropped.
    func number(_ pattern: String, in text: String) -> Double? {
        let regex = try! NSRegularExpression(pattern: pattern)
        guard let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let r = Range(m.range(at: 1), in: text)
        else { return nil }
        return Double(text[r].replacingOccurrences(of: ",", with: ""))
    }

    /// `N` of `flame-graph: captured N samples`: the samples perf kept.
    func samplesCaptured(_ stderr: String) -> Double? { number(#"captured ([0-9,]+) samples?"#, in: stderr) }

    /// "581 ms", "1.23 s", "850 µs" → nanoseconds.
    func nanoseconds(_ text: Substring) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let v = Double(parts[0].replacingOccurrences(of: ",", with: "")) else { return nil }
        switch parts[1] {
        case "s": return v * 1e9
        case "ms": return v * 1e6
        case "µs": return v * 1e3
        case "ns": return v
        default: return nil
        }
    }

    /// A `perf --cmd` capture of the workload at 999 Hz into NAME.svg, saved as the baseline (into the
    /// directory store when given, else the repository's refs).
    func saveCapture(_ name: String, store: String?, file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let target = store.map { ["--store", $0] } ?? []
        let r = try fg(
            ["perf", "--cmd", "\(binary) 2000000 2000000 100", "--frequency", "999", "-o", dir + "/\(name).svg"]
                + ["--save-baseline"] + target + ["--repo", dir + "/repo"] + repo)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    func testACaptureIsDrawnAsTimeAndItsBaselineKeepsTheIntervalInBothStores() throws {
        let period = (1e9 / 999).rounded(.down)  // cpu-clock's fixed period at -F 999, in ns
        let gitSave = try saveCapture("p", store: nil)
        let captured = try XCTUnwrap(samplesCaptured(gitSave.stderr), gitSave.stderr)
        XCTAssertEqual(
            number(#"saved baseline cpuwork @ [0-9a-f]+ \(([0-9,]+) samples?\)"#, in: gitSave.stderr), captured,
            gitSave.stderr)

        // Tooltips say time, never samples, and the whole is the samples' time.
        let frames = SVGFrames.parse(try String(contentsOfFile: dir + "/p.svg", encoding: .utf8), geometry: .samples)
        XCTAssertTrue(frames.map(\.name).contains("hot_a"), "\(frames.prefix(5))")
        for f in frames {
            XCTAssertNotNil(f.title.range(of: #"\([0-9.,]+ (ns|µs|ms|s), "#, options: .regularExpression), f.title)
            XCTAssertFalse(f.title.contains("sample"), f.title)
        }
        let root = try XCTUnwrap(frames.max { Double($0.width) ?? 0 < Double($1.width) ?? 0 })
        let time = try XCTUnwrap(
            root.title.range(of: #"[0-9.,]+ (ns|µs|ms|s)(?=, )"#, options: .regularExpression).flatMap {
                nanoseconds(root.title[$0])
            }, root.title)
        XCTAssertEqual(time, captured * period, accuracy: captured * period * 0.01, root.title)

        // The same capture into a directory store.
        let dirSave = try saveCapture("q", store: dir + "/store")
        let capturedDir = try XCTUnwrap(samplesCaptured(dirSave.stderr), dirSave.stderr)

        let repository = try Repository(discoveringFrom: dir + "/repo")
        let head = try repository.headCommit()
        let stores: [(any BaselineStore, Double)] = [
            (GitRefStore(repository: repository), captured), (DirectoryStore(directory: dir + "/store"), capturedDir),
        ]
        for (store, samples) in stores {
            let (rounds, record) = try store.loadRounds(service: "cpuwork", commit: head)
            XCTAssertEqual(record.metadata.unit, .nanoseconds, "\(store)")
            let interval = try XCTUnwrap(record.metadata.samplingInterval, "\(store)")
            XCTAssertEqual(interval, period, accuracy: 1, "\(store)")
            XCTAssertEqual(Double(record.metadata.sampleCount), samples, "\(store)")
            XCTAssertFalse(rounds.isEmpty, "\(store)")
            XCTAssertEqual(Set(rounds.map(\.samplingInterval)), [interval], "every round gets it back: \(store)")
            XCTAssertEqual(Set(rounds.map(\.unit)), [.nanoseconds], "\(store)")
            let loaded = try store.loadProfile(service: "cpuwork", commit: head).profile
            XCTAssertEqual(loaded.samplingInterval, interval, "\(store)")
            XCTAssertEqual(FrameTotals.sampleWeighting(loaded), .interval(interval), "\(store)")
            XCTAssertEqual(loaded.totalWeight / interval, samples, accuracy: 1e-6, "\(store)")
        }
    }

    /// A baseline saved before perf captures carried their unit: the same period weights, labelled as
    /// samples, with no interval. It still loads, and the gate counts one sample per period.
    func testABaselineSavedWithoutTheIntervalStillGatesByItsPeriod() throws {
        let save = try saveCapture("a", store: dir + "/store")
        let before = try XCTUnwrap(samplesCaptured(save.stderr), save.stderr)
        let head = try Repository(discoveringFrom: dir + "/repo").headCommit()
        let metadataPath = try XCTUnwrap(
            FileManager.default.subpaths(atPath: dir + "/store")?.first { $0.hasSuffix("cpuwork.json") })
        let url = URL(fileURLWithPath: dir + "/store/" + metadataPath)
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var metadata = try XCTUnwrap(json["metadata"] as? [String: Any])
        XCTAssertNotNil(metadata.removeValue(forKey: "samplingInterval"), "\(metadata)")
        metadata["unit"] = "samples"
        json["metadata"] = metadata
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let old = try DirectoryStore(directory: dir + "/store").loadRounds(service: "cpuwork", commit: head)
        XCTAssertEqual(Set(old.rounds.map(\.unit)), [.samples])
        XCTAssertEqual(Set(old.rounds.map(\.samplingInterval)), [nil])

        let gate = try fg(
            [
                "perf", "--cmd", "\(binary) 2000000 2000000 100", "--frequency", "999", "-o", dir + "/b.svg",
                "--baseline", "HEAD", "--store", dir + "/store", "--repo", dir + "/repo", "--json", dir + "/gate.json",
            ] + repo)
        XCTAssertTrue([0, 1].contains(gate.status), gate.stderr)
        XCTAssertTrue(gate.stderr.contains("every count is a multiple of 1001001"), gate.stderr)
        let after = try XCTUnwrap(samplesCaptured(gate.stderr), gate.stderr)
        let json2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/gate.json")))
        let comparison = try XCTUnwrap(((json2 as? [String: Any])?["comparisons"] as? [[String: Any]])?.first)
        XCTAssertEqual(comparison["samples_before"] as? Double ?? 0, before, accuracy: 1e-6, "\(comparison)")
        XCTAssertEqual(comparison["samples_after"] as? Double ?? 0, after, accuracy: 1e-6, "\(comparison)")
    }
}
