import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCore

/// Our Swift demangling against the toolchain's, on every Swift symbol of a real binary (the built
/// `flame-graph`: its own symbols and those it imports, tens of thousands): each must read exactly as
/// `swift demangle --simplified` prints it, and a symbol the toolchain leaves as it is must stay mangled.
final class SwiftDemanglerToolchainTests: XCTestCase {
    /// Every distinct Swift symbol `nm` lists for `binary`, defined or imported (or imported only).
    static func swiftSymbols(of binary: String, importedOnly: Bool = false) throws -> [String] {
        let nm = try RequiredTool.require("nm", install: "apt-get install binutils")
        let r = try TestProcess.run(nm, importedOnly ? ["--undefined-only", binary] : [binary], timeout: 300)
        XCTAssertEqual(r.status, 0, r.stderr)
        let names = r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        let prefixes = ["$s", "$S", "$e", "_$s", "_$S", "_$e"]
        return Set(names.filter { name in prefixes.contains { name.hasPrefix($0) } }).sorted()
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

    func testAgreesWithSwiftDemangleSimplifiedOnEverySymbolOfARealBinary() throws {
        let symbols = try Self.swiftSymbols(of: FlameGraphBinary.path)
        XCTAssertGreaterThan(symbols.count, 10000, "a real binary has thousands of Swift symbols")
        let theirs = try Self.toolchainNames(symbols)
        XCTAssertEqual(theirs.count, symbols.count)
        var kept = 0
        var mismatches: [String] = []
        for (symbol, expected) in zip(symbols, theirs) {
            let ours = SwiftDemangler.demangle(symbol) ?? symbol
            if ours == symbol { kept += 1 }
            if ours != expected { mismatches.append("\(symbol)\n  ours:      \(ours)\n  toolchain: \(expected)") }
        }
        print(
            "swift-demangle: \(symbols.count) symbols, \(symbols.count - kept) demangled, \(kept) kept mangled, "
                + "\(mismatches.count) differ from swift demangle --simplified")
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(40).joined(separator: "\n"))
        XCTAssertLessThan(kept, symbols.count / 100, "nearly every symbol of a real binary demangles")
    }

    /// perf names the PLT stub of an imported function `symbol@plt`: the toolchain demangles the symbol
    /// and keeps the suffix, and so must we.
    func testAgreesWithSwiftDemangleSimplifiedOnThePLTStubsOfARealBinary() throws {
        let stubs = try Self.swiftSymbols(of: FlameGraphBinary.path, importedOnly: true).map { $0 + "@plt" }
        XCTAssertGreaterThan(stubs.count, 1000, "a Swift binary imports thousands of Swift symbols")
        let theirs = try Self.toolchainNames(stubs)
        XCTAssertEqual(theirs.count, stubs.count)
        var mismatches: [String] = []
        for (stub, expected) in zip(stubs, theirs) {
            let ours = SwiftDemangler.demangle(stub) ?? stub
            if ours != expected || ours == stub {
                mismatches.append("\(stub)\n  ours:      \(ours)\n  toolchain: \(expected)")
            }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(40).joined(separator: "\n"))
    }

    /// Mutated real symbols (prefixes, changed and inserted bytes) and random `$s…` text: whatever the
    /// runtime makes of them, the toolchain makes the same, and nothing crashes.
    func testAgreesWithSwiftDemangleSimplifiedOnMutatedSymbols() throws {
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$".utf8)
        var symbols: Set<String> = []
        for (mangled, _) in PerfSwiftDemanglerTests.cases {
            let bytes = Array(mangled.utf8)
            for cut in 3...bytes.count { symbols.insert(String(decoding: bytes[..<cut], as: UTF8.self)) }
            for _ in 0..<100 {
                var m = bytes
                let k = 2 + Int(rng.next() % UInt64(max(m.count - 2, 1)))
                if k < m.count { m[k] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                if rng.next() % 4 == 0, k < m.count { m.insert(alphabet[Int(rng.next() % 64)], at: k) }
                symbols.insert(String(decoding: m, as: UTF8.self))
            }
        }
        for _ in 0..<2000 {
            var m = Array("$s".utf8)
            for _ in 0..<(1 + Int(rng.next() % 60)) { m.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            symbols.insert(String(decoding: m, as: UTF8.self))
        }
        let sorted = symbols.sorted()
        let theirs = try Self.toolchainNames(sorted)
        XCTAssertEqual(theirs.count, sorted.count)
        var mismatches: [String] = []
        for (symbol, expected) in zip(sorted, theirs) where SwiftDemangler.isMangledSwift(Array(symbol.utf8)) {
            let ours = SwiftDemangler.demangle(symbol) ?? symbol
            if ours != expected { mismatches.append("\(symbol)\n  ours:      \(ours)\n  toolchain: \(expected)") }
        }
        XCTAssertEqual(mismatches.count, 0, mismatches.prefix(40).joined(separator: "\n"))
    }
}
