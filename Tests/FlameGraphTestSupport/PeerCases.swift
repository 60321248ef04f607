import Foundation

/// The peers' test cases (`Tests/Fixtures/peers/cases.tsv`): inputs, expected outputs and how to
/// compare them. `Tests/Fixtures/peers/PROVENANCE.md` says where each file comes from.
public struct PeerCase: Sendable, CustomStringConvertible {
    public var id: String
    public var kind: String
    public var inputs: [String]
    public var expected: String?
    /// The flags, split like a shell would, without the parenthesised explanation.
    public var args: [String]
    /// The raw args column (explanations included).
    public var rawArgs: String
    public var compare: String
    public var note: String

    public var description: String { id }

    /// Absolute path of a file named relative to the peers folder.
    public func path(_ relative: String) -> String { PeerCases.root + "/" + relative }
}

public enum PeerCases {
    /// The package root, found from this file's location.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The peer fixtures, kept in the repository.
    public static let root: String = packageRoot + "/Tests/Fixtures/peers"

    public static func load(kind: String) throws -> [PeerCase] {
        let text = try String(contentsOfFile: root + "/cases.tsv", encoding: .utf8)
        var out: [PeerCase] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 7, cols[1] == kind else { continue }
            out.append(
                PeerCase(
                    id: cols[0], kind: cols[1], inputs: cols[2].split(separator: " ").map(String.init),
                    expected: cols[3] == "-" ? nil : cols[3], args: splitArgs(cols[4]), rawArgs: cols[4],
                    compare: cols[5], note: cols.count > 7 ? cols[7] : ""))
        }
        return out
    }

    /// Splits an args column shell-style; `(none)` and text in parentheses after the flags are dropped.
    public static func splitArgs(_ column: String) -> [String] {
        var s = Substring(column)
        if s.hasPrefix("(none)") { return [] }
        var out: [String] = []
        var current = ""
        var inToken = false
        var quote: Character? = nil
        while let c = s.first {
            s = s.dropFirst()
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inToken = true
            case "\\":
                if let n = s.first {
                    current.append(n)
                    s = s.dropFirst()
                }
                inToken = true
            case " ", "\t":
                if inToken {
                    out.append(current)
                    current = ""
                    inToken = false
                }
            case "(" where !inToken:
                // An explanation, not a flag: stop here.
                return out
            case ";" where !inToken:
                return out
            default:
                current.append(c)
                inToken = true
            }
        }
        if inToken { out.append(current) }
        return out
    }
}
