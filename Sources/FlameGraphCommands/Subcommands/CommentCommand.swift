import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph comment`: create or update the one pull/merge request comment carrying the report.
struct CommentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comment",
        abstract: "Post the gate's Markdown report as the PR/MR comment, updating the previous one.",
        discussion: """
            GitHub (Actions): GITHUB_TOKEN, GITHUB_REPOSITORY, the PR number from GITHUB_EVENT_PATH or --pr,
            GITHUB_API_URL (default https://api.github.com). GitLab CI: GITLAB_TOKEN (or CI_JOB_TOKEN),
            CI_PROJECT_ID, CI_MERGE_REQUEST_IID (or --pr), CI_API_V4_URL. The comment carrying the
            report's marker (<!-- flame-graph-report -->) is updated; otherwise one is created. Reports over
            GitHub's 65,536-character limit are trimmed at a line. The token is sent only in its header.

            Example: flame-graph comment --markdown flame-graph-out/report.md
            """)

    @Option(help: "The Markdown report (from gate or diff).") var markdown: String
    @Option(help: "The pull request (GitHub) or merge request IID (GitLab) number.") var pr: Int?
    @Option(help: "github or gitlab (default: from the CI environment).") var platform: String?

    func run() throws {
        let text = String(decoding: try InputFile.readAll(markdown), as: UTF8.self)
        let target = try CommentTargets.resolve(platform: platform, pr: pr)
        let body = CommentBody.prepare(text, limit: target.maxLength)
        if body.unicodeScalars.count < text.unicodeScalars.count {
            Console.warn("\(markdown) is longer than \(target.maxLength) characters: the comment is trimmed")
        }
        if let existing = try target.comments().first(where: { $0.body.contains(CommentBody.marker) }) {
            try target.update(id: existing.id, body)
            print("updated comment \(existing.id) on \(target.name)")
        } else {
            try target.create(body)
            print("created the report comment on \(target.name)")
        }
    }
}
