import FlameGraphTestSupport
import Foundation
import XCTest

/// Keeps the docs and the flags in sync: every flag a subcommand's `--help` shows is documented in
/// `docs/` or the README, and every subcommand of the contract that exists is listed by `--help`.
final class DocsSyncTests: XCTestCase {
    static func docs() throws -> String {
        let root = PeerCases.packageRoot
        var text = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        for f in try FileManager.default.contentsOfDirectory(atPath: root + "/docs") where f.hasSuffix(".md") {
            text += try String(contentsOfFile: root + "/docs/" + f, encoding: .utf8)
        }
        return text
    }

    static func subcommands() throws -> [[String]] {
        let help = String(decoding: try FlameGraphBinary.run(["--help"]).stdout, as: UTF8.self)
        var out: [[String]] = []
        var inSubcommands = false
        for line in help.split(separator: "\n") {
            if line.hasPrefix("SUBCOMMANDS:") {
                inSubcommands = true
                continue
            }
            if inSubcommands, line.hasPrefix("  "), let name = line.split(separator: " ").first, name != "help" {
                out.append([String(name)])
            }
        }
        return out
    }

    func testEveryFlagInHelpIsDocumented() throws {
        let docs = try Self.docs()
        var commands = try Self.subcommands()
        XCTAssertTrue(commands.contains(["file"]) && commands.contains(["diff"]), "\(commands)")
        commands += [["baseline", "save"], ["baseline", "show"], ["baseline", "list"], ["baseline", "delete"]]
        let flag = try NSRegularExpression(pattern: #"(?<![\w-])--[a-z][a-z0-9-]+"#)
        for command in commands {
            let r = try FlameGraphBinary.run(command + ["--help"])
            XCTAssertEqual(r.status, 0, "\(command) --help")
            let help = String(decoding: r.stdout, as: UTF8.self)
            XCTAssertFalse(help.isEmpty, "\(command) --help printed nothing")
            let ns = help as NSString
            let flags = Set(
                flag.matches(in: help, range: NSRange(location: 0, length: ns.length)).map {
                    ns.substring(with: $0.range)
                })
            for f in flags.sorted() where !["--help", "--version"].contains(f) {
                XCTAssertTrue(
                    docs.contains(f), "\(command.joined(separator: " ")) \(f) is not documented in docs/ or README.md")
            }
        }
    }
}
