import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// Runs every `collapse-perf` row of the peer test data (`Tests/Fixtures/peers/cases.tsv`) through `PerfScriptCollapser` and compares as the row's `compare` column says.
final class PerfCollapseDataTests: XCTestCase {
    /// Rows that state Perl's behaviour where inferno deliberately differs (this converter follows
    /// inferno), each with the row that states inferno's behaviour for the same input and options.
    static let perlOnlyRows: [String: (inferno: String, reason: String)] = {
        var rows: [String: (String, String)] = [:]
        for opt in ["pid", "tid", "kernel", "jit", "all", "addrs"] {
            rows["fg-collapse-perf-rust-Yamakaky-dcpu-\(opt)"] = (
                "inf-collapse-perf-rust-Yamakaky-dcpu-\(opt)",
                "Perl leaves half-demangled legacy Rust symbols ($LT$, ::h<hash>) as they are; inferno repairs them"
            )
        }
        rows["gen-collapse-modern-dwarf"] = (
            "gen-collapse-modern-dwarf-inferno",
            "Perl cuts C++ names at the first '(' even inside <...>; inferno only at a top-level '('"
        )
        return rows
    }()

    /// Maps the peer's flags (inferno spelling) to options. Text in parentheses is commentary.
    static func options(for args: String) throws -> PerfCollapseOptions {
        // The peers do not demangle Swift symbols, and their expected output keeps them mangled.
        var options = PerfCollapseOptions(demangle: false)
        var words = args.split(separator: " ").map(String.init)
        if let paren = words.firstIndex(where: { $0.hasPrefix("(") }) { words.removeSubrange(paren...) }
        var i = 0
        while i < words.count {
            let word = words[i]
            func value() throws -> String {
                if let eq = word.firstIndex(of: "=") { return String(word[word.index(after: eq)...]) }
                i += 1
                guard i < words.count else { throw FlameGraphError(.usage, "missing value for \(word)") }
                return words[i]
            }
            switch word.split(separator: "=").first.map(String.init) ?? word {
            case "--pid": options.includePID = true
            case "--tid": options.includeTID = true
            case "--kernel": options.annotateKernel = true
            case "--jit": options.annotateJIT = true
            case "--all": options.annotateAll = true
            case "--addrs": options.includeAddrs = true
            case "--event-filter": options.eventFilter = try value()
            case "--skip-after": options.skipAfter.append(try value())
            default: throw FlameGraphError(.usage, "unmapped collapse-perf flag \(word)")
            }
            i += 1
        }
        return options
    }

    static func read(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: PeerCases.root + "/" + relative)))
    }

    /// Collapses `input` in chunks of `chunk` bytes (0: all at once).
    static func collapse(_ input: [UInt8], _ options: PerfCollapseOptions, chunk: Int = 0) -> PerfScriptCollapser {
        var collapser = PerfScriptCollapser(options: options)
        if chunk <= 0 {
            collapser.consume(input)
        } else {
            input.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    let end = min(start + chunk, all.count)
                    collapser.consume(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
        }
        collapser.finish()
        return collapser
    }

    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .filter { !$0.isEmpty }
    }

    /// Whether `message` starts with `pattern`, where `*` in the pattern matches any text.
    static func matches(_ message: String, prefix pattern: String) -> Bool {
        let parts = pattern.components(separatedBy: "*")
        var rest = Substring(message)
        for (k, part) in parts.enumerated() {
            if k == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if !part.isEmpty {
                guard let r = rest.range(of: part) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return true
    }

    /// Checks one row; returns a description of the mismatch, or nil when the row passes.
    static func check(_ row: PeerCase) throws -> String? {
        let options = try options(for: row.rawArgs)
        var input: [UInt8] = []
        for path in row.inputs { input += try read(path) }
        let whole = collapse(input, options)
        let chunked = collapse(input, options, chunk: 977)
        let outWhole = FoldedWriter.write(whole.profile)
        if FoldedWriter.write(chunked.profile) != outWhole {
            return "output differs when the input is fed in 977-byte chunks"
        }
        if whole.diagnostics.warnings != chunked.diagnostics.warnings {
            return
                "warnings differ when fed in chunks: \(whole.diagnostics.warnings) vs \(chunked.diagnostics.warnings)"
        }
        let compare = row.compare
        if compare == "exact" || compare == "exact-strip-quotes" {
            var got = outWhole
            if compare == "exact-strip-quotes" {
                got.removeAll { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\"") }
            }
            let gotLines = lines(got)
            let wantLines = lines(try read(row.expected ?? ""))
            if gotLines == wantLines { return nil }
            if row.note.hasPrefix("perl semantics"), perlArgumentCut(gotLines) == wantLines {
                // Perl's output, where we follow inferno on purpose (docs: "Where the peers differ"):
                // identical once Perl's first-'(' cut is applied to our names, so every other line agrees.
                return nil
            }
            let missing = wantLines.filter { !Set(gotLines).contains($0) }
            let extra = gotLines.filter { !Set(wantLines).contains($0) }
            return
                "\(gotLines.count) lines, expected \(wantLines.count); \(missing.count) expected lines missing, "
                + "\(extra.count) unexpected.\n  first missing: \(missing.first?.prefix(400) ?? "-")\n"
                + "  first unexpected: \(extra.first?.prefix(400) ?? "-")"
        }
        if compare.hasPrefix("warn-once:") {
            let text = String(compare.dropFirst("warn-once:".count))
            let n = whole.diagnostics.warnings.filter { matches($0, prefix: text) }.count
            return n == 1 ? nil : "warning starting '\(text)' logged \(n) times: \(whole.diagnostics.warnings)"
        }
        if compare.hasPrefix("no-warn:") {
            let text = String(compare.dropFirst("no-warn:".count))
            let n = whole.diagnostics.warnings.filter { matches($0, prefix: text) }.count
            return n == 0 ? nil : "unexpected warning '\(text)': \(whole.diagnostics.warnings)"
        }
        if compare == "no-error" { return nil }
        if compare == "error" { return "the collapser never fails, but this row expects an error" }
        return "unknown compare mode \(compare)"
    }

    /// What the folded lines would be with Perl's argument cut (at the first `(` that does not open
    /// `(anonymous namespace)`, unless the name has a Go-style `.(…).`), merged and sorted again.
    static func perlArgumentCut(_ lines: [String]) -> [String] {
        var totals: [String: Int] = [:]
        for line in lines {
            guard let space = line.lastIndex(of: " "), let count = Int(line[line.index(after: space)...]) else {
                return []
            }
            let frames = line[..<space].split(separator: ";", omittingEmptySubsequences: false).map { frame in
                var name = String(frame)
                var tag = ""
                for t in ["_[k]", "_[j]", "_[i]"] where name.hasSuffix(t) {
                    tag = t
                    name.removeLast(4)
                }
                if name.range(of: #"\.\(.*\)\."#, options: .regularExpression) == nil {
                    var search = name.startIndex
                    while let open = name[search...].firstIndex(of: "(") {
                        if name[open...].hasPrefix("(anonymous namespace)") {
                            search = name.index(after: open)
                            continue
                        }
                        name = String(name[..<open])
                        break
                    }
                }
                return name + tag
            }
            totals[frames.joined(separator: ";"), default: 0] += count
        }
        return totals.map { "\($0.key) \($0.value)" }.sorted {
            Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
        }
    }

    func testEveryCollapsePerfRow() throws {
        let rows = try PeerCases.load(kind: "collapse-perf")
        let all = rows
        XCTAssertGreaterThan(rows.count, 0, "no collapse-perf rows found")
        let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var passed: [String] = []
        var failed: [String] = []
        var skipped: [String] = []
        for row in rows {
            if let perl = Self.perlOnlyRows[row.id] {
                // Perl-only semantics: not checked. The inferno row for the same input must pass.
                skipped.append(row.id)
                guard let twin = byID[perl.inferno] else {
                    XCTFail("\(row.id): its inferno twin \(perl.inferno) is missing from cases.tsv")
                    continue
                }
                if let problem = try Self.check(twin) {
                    XCTFail("\(row.id) is skipped (\(perl.reason)), but its inferno twin \(twin.id) fails: \(problem)")
                }
                continue
            }
            if let problem = try Self.check(row) {
                failed.append(row.id)
                XCTFail("\(row.id) [\(row.rawArgs)] \(row.compare): \(problem)")
            } else {
                passed.append(row.id)
            }
        }
        print("collapse-perf rows checked: \(passed.count) ok, \(failed.count) not ok, \(skipped.count) Perl-only")
        if !failed.isEmpty { print("failed rows: \(failed.joined(separator: " "))") }
    }
}
