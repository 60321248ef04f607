import Foundation

/// One drawn frame of a flame-graph SVG, as the peer comparisons see it.
public struct SVGFrame: Hashable, CustomStringConvertible, Sendable {
    public var name: String
    /// The count printed in the tooltip (commas removed).
    public var count: String
    public var depth: Int
    /// inferno's / ours: start and width in samples. flamegraph.pl's: absolute pixels.
    public var x: String
    public var width: String
    public var fill: String
    public var title: String

    public var description: String { "\(name) [\(count)] depth=\(depth) x=\(x) w=\(width) \(fill)" }
}

/// Extracts frames from flame-graph SVGs: ours, inferno's (`fg:x`/`fg:w`) and flamegraph.pl's (pixels).
public enum SVGFrames {
    public enum Geometry { case samples, pixels }

    public static func parse(_ svg: String, geometry: Geometry, inverted: Bool = false) -> [SVGFrame] {
        let pattern = #"<title>([^<]*)</title>\s*<rect ([^>]*?)/?>"#
        let regex = try! NSRegularExpression(pattern: pattern, options: [])
        let ns = svg as NSString
        var raw: [(title: String, attrs: [String: String])] = []
        for m in regex.matches(in: svg, range: NSRange(location: 0, length: ns.length)) {
            let title = unescape(ns.substring(with: m.range(at: 1)))
            raw.append((title, attributes(ns.substring(with: m.range(at: 2)))))
        }
        guard let heightText = raw.first?.attrs["height"], let rectHeight = Double(heightText) else { return [] }
        let rowHeight = rectHeight + 1
        let ys = raw.compactMap { Double($0.attrs["y"] ?? "") }
        let rootY = inverted ? (ys.min() ?? 0) : (ys.max() ?? 0)
        return raw.map { r in
            let (name, count) = splitTitle(r.title)
            let y = Double(r.attrs["y"] ?? "") ?? 0
            let depth = Int(((inverted ? y - rootY : rootY - y) / rowHeight).rounded())
            let x: String, w: String
            switch geometry {
            case .samples:
                x = r.attrs["fg:x"] ?? "?"
                w = r.attrs["fg:w"] ?? "?"
            case .pixels:
                x = r.attrs["x"] ?? "?"
                w = r.attrs["width"] ?? "?"
            }
            return SVGFrame(
                name: name, count: count, depth: depth, x: x, width: w, fill: r.attrs["fill"] ?? "", title: r.title)
        }
    }

    /// `name (1,234 samples, 5.6%)` → (`name`, `1234`).
    public static func splitTitle(_ title: String) -> (String, String) {
        guard let open = title.range(of: " (", options: .backwards) else { return (title, "") }
        let name = String(title[..<open.lowerBound])
        let rest = title[open.upperBound...]
        let count = rest.prefix(while: { $0 != " " }).replacingOccurrences(of: ",", with: "")
        return (name, count)
    }

    static func attributes(_ s: String) -> [String: String] {
        let regex = try! NSRegularExpression(pattern: #"([\w:-]+)="([^"]*)""#)
        let ns = s as NSString
        var out: [String: String] = [:]
        for m in regex.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            out[ns.substring(with: m.range(at: 1))] = ns.substring(with: m.range(at: 2))
        }
        return out
    }

    public static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
