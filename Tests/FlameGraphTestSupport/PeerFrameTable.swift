import Foundation

/// The frames of a peer's expected SVG, as `Tests/Fixtures/peers/extract_frames.py` wrote them
/// (`*.frames.tsv`): the data the comparisons need, without the peer's document and script.
public struct PeerFrameTable: Sendable {
    /// `# key: value` lines: `source`, `geometry` (`samples` or `pixels`), `inverted`, `svg_width`,
    /// `total_samples` (inferno only).
    public var meta: [String: String]
    /// The frames in document order; `x`/`width` in samples (inferno) or pixels (flamegraph.pl), like
    /// `SVGFrames.parse` with the matching geometry.
    public var frames: [SVGFrame]
    /// Each frame's rect attributes exactly as the peer wrote them (`x`, `y`, `width`, `height`).
    public var rects: [[String: String]]

    public var usesSamples: Bool { meta["geometry"] == "samples" }

    /// Loads a table; `relative` is relative to the peers folder (or an absolute path).
    public static func load(_ relative: String) throws -> PeerFrameTable {
        let path = relative.hasPrefix("/") ? relative : PeerCases.root + "/" + relative
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var table = PeerFrameTable(meta: [:], frames: [], rects: [])
        var header: [String]? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if header == nil, line.hasPrefix("# "), let colon = line.firstIndex(of: ":") {
                let key = String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
                table.meta[key] = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) }
            guard let columns = header else {
                header = fields
                continue
            }
            guard fields.count == columns.count else {
                throw PeerFrameTableError(
                    message: "\(relative): a row has \(fields.count) fields, not \(columns.count)")
            }
            let row = Dictionary(uniqueKeysWithValues: zip(columns, fields))
            guard let depth = Int(row["depth"] ?? "") else {
                throw PeerFrameTableError(message: "\(relative): bad depth in \(line)")
            }
            table.frames.append(
                SVGFrame(
                    name: row["name"] ?? "", count: row["samples"] ?? "", depth: depth, x: row["x"] ?? "",
                    width: row["width"] ?? "", fill: row["fill"] ?? "", title: row["title"] ?? ""))
            table.rects.append([
                "x": row["rect_x"] ?? "", "y": row["rect_y"] ?? "", "width": row["rect_width"] ?? "",
                "height": row["rect_height"] ?? "",
            ])
        }
        guard header != nil else { throw PeerFrameTableError(message: "\(relative): no header row") }
        return table
    }

    /// The frames redrawn in the peer's own frame markup — a `<g>` with the `<title>` and the `<rect>`
    /// (with inferno's `fg:x`/`fg:w`) — inside a minimal SVG: an input for the SVG importer that reads
    /// those SVGs back. The peer's styles, texts and script are not part of it.
    public func svg() -> String {
        let width = meta["svg_width"].flatMap { $0.isEmpty ? nil : $0 } ?? "1200"
        var out = #"<?xml version="1.0" standalone="no"?>"# + "\n"
        out += #"<svg version="1.1" width="\#(width)" xmlns="http://www.w3.org/2000/svg""#
        out += usesSamples ? #" xmlns:fg="http://github.com/jonhoo/inferno">"# : ">"
        out += "\n"
        if usesSamples {
            out += #"<svg id="frames" x="10" width="1180" total_samples="\#(meta["total_samples"] ?? "")">"# + "\n"
        } else {
            out += #"<g id="frames">"# + "\n"
        }
        for (frame, rect) in zip(frames, rects) {
            var attrs = #"x="\#(rect["x"]!)" y="\#(rect["y"]!)" width="\#(rect["width"]!)""#
            attrs += #" height="\#(rect["height"]!)" fill="\#(frame.fill)""#
            attrs += usesSamples ? #" fg:x="\#(frame.x)" fg:w="\#(frame.width)""# : #" rx="2" ry="2""#
            out += "<g><title>\(Self.escapeXML(frame.title))</title><rect \(attrs)/></g>\n"
        }
        out += usesSamples ? "</svg>\n</svg>\n" : "</g>\n</svg>\n"
        return out
    }

    static func escapeXML(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Undoes the table's escaping: `\\`, `\t`, `\n`.
    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var out = ""
        var escaped = false
        for c in field {
            if escaped {
                out.append(c == "t" ? "\t" : c == "n" ? "\n" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

public struct PeerFrameTableError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
