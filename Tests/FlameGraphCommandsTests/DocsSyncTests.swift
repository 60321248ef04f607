import FlameGraphTestSupport
import Foundation
import XCTest

/// Keeps `docs/CLI.md` and the built tool in step, both ways: every subcommand and every flag that a
/// `--help` shows is documented there, and every subcommand section and option row of the page exists
/// in the tool. What is specified but not built yet lives below `## Specified, not yet built`; once it
/// ships, the test asks for its text to move up (a text-only change).
final class DocsSyncTests: XCTestCase {
    static let plannedHeading = "## Specified, not yet built"

    struct CLIDoc {
        var built: String
        var planned: String
        var all: String { built + planned }
    }

    static func cliDoc() throws -> CLIDoc {
        let text = try String(contentsOfFile: PeerCases.packageRoot + "/docs/CLI.md", encoding: .utf8)
        guard let marker = text.range(of: "\n" + plannedHeading + "\n") else { return CLIDoc(built: text, planned: "") }
        return CLIDoc(built: String(text[..<marker.lowerBound]), planned: String(text[marker.lowerBound...]))
    }

    /// `### flame-graph NAME [SUB]` headings.
    static func sections(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").compactMap { line in
                line.hasPrefix("### flame-graph ") ? String(line.dropFirst("### flame-graph ".count)) : nil
            })
    }

    /// The flags that start option rows (`| \`--flag …\` |` and aliases in the same cell).
    static func optionRowFlags(_ text: String) -> Set<String> {
        var out: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `-") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            out.formUnion(flags(in: String(cell)))
        }
        return out
    }

    static func flags(in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #"(?<![\w-])--[a-z][a-z0-9-]+"#)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
            ns.substring(with: $0.range)
        }
    }

    static func mentions(_ doc: String, _ flag: String) -> Bool {
        doc.range(
            of: #"(?<![\w-])"# + NSRegularExpression.escapedPattern(for: flag) + #"(?![\w-])"#,
            options: .regularExpression) != nil
    }

    /// `--help` of every subcommand path, read once for all tests: `[]` is the root, `["baseline", "save"]`…
    static let helpTexts: [[String]: String] = {
        func read(_ command: [String]) -> String? {
            guard let r = try? FlameGraphBinary.run(command + ["--help"]), r.status == 0 else { return nil }
            return String(decoding: r.stdout, as: UTF8.self)
        }
        var out: [[String]: String] = [:]
        guard let root = read([]) else { return out }
        out[[]] = root
        for name in subcommands(inHelp: root) {
            guard let text = read([name]) else { continue }
            out[[name]] = text
            for sub in subcommands(inHelp: text) { out[[name, sub]] = read([name, sub]) }
        }
        return out
    }()

    static func help(_ command: [String]) throws -> String {
        try XCTUnwrap(helpTexts[command], "flame-graph \(command.joined(separator: " ")) --help failed")
    }

    /// The names listed under SUBCOMMANDS in a help text.
    static func subcommands(inHelp help: String) -> [String] {
        var out: [String] = []
        var inside = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") {
                inside = true
                continue
            }
            guard inside else { continue }
            if line.isEmpty && !out.isEmpty { break }
            // `  name   description`; wrapped descriptions are indented deeper.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }), name != "help"
            else { continue }
            out.append(String(name))
        }
        return out
    }

    /// The long flags of the OPTIONS section: the names at the start of each option line, aliases too.
    static func optionFlags(inHelp help: String) -> Set<String> {
        var out: Set<String> = []
        var inside = false
        for line in help.split(separator: "\n") {
            if line.hasPrefix("OPTIONS:") {
                inside = true
                continue
            }
            guard inside, line.hasPrefix("  -") else { continue }
            for token in line.split(separator: " ", omittingEmptySubsequences: false).dropFirst(2) {
                guard token.hasPrefix("-") || token.hasPrefix("<") else { break }
                if token.hasPrefix("--") {
                    out.insert(String(token.trimmingCharacters(in: CharacterSet(charactersIn: ","))))
                }
            }
        }
        return out.subtracting(["--help", "--version"])
    }

    /// Every subcommand path the tool has: `["file"]`, `["baseline", "save"]`…
    static func commands() throws -> [[String]] {
        let out = helpTexts.keys.filter { !$0.isEmpty }.sorted { $0.joined(separator: " ") < $1.joined(separator: " ") }
        XCTAssertGreaterThan(out.count, 10, "the subcommands' --help could not be read")
        return out
    }

    func testEverySubcommandOfTheToolHasItsSection() throws {
        let doc = try Self.cliDoc()
        let built = Self.sections(doc.built), planned = Self.sections(doc.planned)
        let commands = try Self.commands()
        XCTAssertTrue(commands.contains(["file"]) && commands.contains(["baseline", "save"]), "\(commands)")
        for command in commands.map({ $0.joined(separator: " ") }) {
            if planned.contains(command) && !built.contains(command) {
                XCTFail("`\(command)` is built now: move its section in docs/CLI.md above \"\(Self.plannedHeading)\"")
            } else {
                XCTAssertTrue(built.contains(command), "docs/CLI.md has no \"### flame-graph \(command)\" section")
            }
        }
    }

    func testEveryFlagInHelpIsInTheCLIDoc() throws {
        let doc = try Self.cliDoc()
        var checked = 0
        for command in try Self.commands() {
            let flags = Self.optionFlags(inHelp: try Self.help(command))
            for flag in flags.sorted() {
                checked += 1
                XCTAssertTrue(
                    Self.mentions(doc.all, flag),
                    "`flame-graph \(command.joined(separator: " ")) \(flag)` is not documented in docs/CLI.md")
            }
        }
        XCTAssertGreaterThan(checked, 300, "the help texts were not read")
    }

    func testEverySectionOfTheCLIDocExists() throws {
        let doc = try Self.cliDoc()
        let commands = Set(try Self.commands().map { $0.joined(separator: " ") })
        for section in Self.sections(doc.built).sorted() {
            XCTAssertTrue(
                commands.contains(section), "docs/CLI.md documents `flame-graph \(section)`, which does not exist")
        }
    }

    func testEveryOptionOfTheCLIDocExists() throws {
        let doc = try Self.cliDoc()
        var known: Set<String> = []
        for command in try Self.commands() { known.formUnion(Self.optionFlags(inHelp: try Self.help(command))) }
        let documented = Self.optionRowFlags(doc.built)
        XCTAssertGreaterThan(documented.count, 80, "no option rows found in docs/CLI.md")
        for flag in documented.sorted() {
            XCTAssertTrue(known.contains(flag), "docs/CLI.md documents \(flag), which no subcommand's --help shows")
        }
    }

    func testTheHelpParsersSeeWhatTheyShould() throws {
        let file = Self.optionFlags(inHelp: try Self.help(["file"]))
        XCTAssertTrue(
            file.isSuperset(of: ["--input", "--colors", "--colours", "--frame-height", "--height"]), "\(file)")
        XCTAssertFalse(file.contains("--help"))
        let baseline = Set(Self.subcommands(inHelp: try Self.help(["baseline"])))
        XCTAssertTrue(baseline.isSuperset(of: ["delete", "list", "save", "show"]), "\(baseline)")
        XCTAssertTrue(
            Self.optionRowFlags("| `-c`, `--colors`, `--colours P` | x |\n| text `--nope` |").contains("--colours"))
        XCTAssertFalse(Self.optionRowFlags("| text `--nope` |").contains("--nope"))
    }
}
