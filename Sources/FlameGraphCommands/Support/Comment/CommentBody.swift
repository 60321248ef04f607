/// The comment's text: the report with its marker first, trimmed to fit the platform's limit.
enum CommentBody {
    static let marker = "<!-- flame-graph-report -->"

    /// `markdown` with the marker (added at the top if the report lacks it), cut at a line boundary so
    /// that it fits in `limit` Unicode scalars with a note saying where the rest is; an open
    /// `<details>` block is closed so the comment still renders.
    static func prepare(_ markdown: String, limit: Int) -> String {
        var text = markdown.contains(marker) ? markdown : marker + "\n" + markdown
        guard text.unicodeScalars.count > limit else { return text }
        let note =
            "\n\n---\n*Report trimmed to fit the \(limit)-character comment limit; the full report is in the job's artifacts.*\n"
        let budget = limit - note.unicodeScalars.count - "</pre>\n</details>\n".unicodeScalars.count
        var kept = ""
        var used = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let cost = line.unicodeScalars.count + 1
            if used + cost > budget { break }
            kept += line + "\n"
            used += cost
        }
        if kept.components("<pre>") > kept.components("</pre>") { kept += "</pre>\n" }
        if kept.components("<details>") > kept.components("</details>") { kept += "</details>\n" }
        text = kept + note
        return text
    }
}

extension String {
    fileprivate func components(_ needle: String) -> Int {
        var count = 0
        var rest = Substring(self)
        while let r = rest.firstRange(of: needle) {
            count += 1
            rest = rest[r.upperBound...]
        }
        return count
    }
}
