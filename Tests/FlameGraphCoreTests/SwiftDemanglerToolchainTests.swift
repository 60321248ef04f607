import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// Our Swift demangler against the toolchain's, on every Swift symbol of a real binary (the built
/// `flame-graph`, tens of thousands of symbols): where ours names a symbol, the name is the one
/// `swift demangle --simplified` prints, less the two things flame graphs leave out or keep on purpose —
/// ours keeps module names (compared here with them left out) and drops generic parameter clauses
/// (`<A>`, removed from the toolchain's text before comparing). Where ours declines (returns nil), the
/// frame keeps its mangled name; the rate is reported.
final class SwiftDemanglerToolchainTests: XCTestCase {
    static func swiftSymbols(of binary: String) throws -> [String] {
        let nm = try RequiredTool.require("nm", install: "apt-get install binutils")
        let r = try TestProcess.run(nm, ["--defined-only", binary], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        let names = r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        return Set(names.filter { $0.hasPrefix("$s") }).sorted()
    }

    /// `swift demangle --simplified`, one line per symbol, all through one process.
    static func toolchainNames(_ symbols: [String]) throws -> [String] {
        let swift = try RequiredTool.require("swift", install: "install the Swift toolchain")
        let r = try TestProcess.run(
            swift, ["demangle", "--simplified"], timeout: 600,
            stdin: Data((symbols.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// Removes `<…>` clauses that follow a name (generic parameters), keeping operators such as `..<`.
    static func withoutGenericClauses(_ text: String) -> String {
        var out = ""
        var depth = 0
        var previous: Character = " "
        for c in text {
            if c == "<" && (depth > 0 || previous.isLetter || previous.isNumber || previous == "_" || previous == ">") {
                depth += 1
            } else if c == ">" && depth > 0 {
                depth -= 1
            } else if depth == 0 {
                out.append(c)
            }
            previous = c
        }
        return out
    }

    func testAgreesWithSwiftDemangleSimplifiedOnEverySymbolOfARealBinary() throws {
        let symbols = try Self.swiftSymbols(of: FlameGraphBinary.path)
        XCTAssertGreaterThan(symbols.count, 5000, "a real binary has thousands of Swift symbols")
        let theirs = try Self.toolchainNames(symbols)
        XCTAssertEqual(theirs.count, symbols.count)
        var named = 0
        var mismatches: [String] = []
        for (symbol, expected) in zip(symbols, theirs) {
            guard let bytes = SwiftDemangler.demangle(Array(symbol.utf8), qualifyModules: false) else { continue }
            named += 1
            let ours = String(decoding: bytes, as: UTF8.self)
            let want = Self.withoutGenericClauses(expected)
            if ours != want { mismatches.append("\(symbol)\n  ours:      \(ours)\n  toolchain: \(want)") }
        }
        let agreement = Double(named - mismatches.count) / Double(max(named, 1))
        print(
            "swift-demangle: \(symbols.count) symbols, \(named) named by ours, \(mismatches.count) differ "
                + "(agreement \(String(format: "%.2f", agreement * 100))% of named)")
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(40).joined(separator: "\n"))
    }
}
