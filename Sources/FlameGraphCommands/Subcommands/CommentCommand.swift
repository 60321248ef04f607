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

/// Reads the CI environment into a comment platform.
enum CommentTargets {
    static func env(_ name: String) -> String? { ProcessEnvironment.value(name).flatMap { $0.isEmpty ? nil : $0 } }

    static func resolve(platform: String?, pr: Int?) throws -> any CommentPlatform {
        let kind =
            platform ?? (env("GITHUB_REPOSITORY") != nil ? "github" : env("CI_PROJECT_ID") != nil ? "gitlab" : "")
        switch kind {
        case "github":
            guard let token = env("GITHUB_TOKEN") else { throw missing("GITHUB_TOKEN") }
            guard let repository = env("GITHUB_REPOSITORY"), repository.split(separator: "/").count == 2 else {
                throw missing("GITHUB_REPOSITORY (owner/name)")
            }
            let number = try pr ?? eventNumber()
            let api = try url(env("GITHUB_API_URL") ?? "https://api.github.com", "GITHUB_API_URL")
            var http = CommentHTTP(authorization: ("Authorization", "Bearer \(token)"))
            http.extraHeaders = ["Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"]
            return GitHubComments(http: http, api: api, repository: repository, number: number)
        case "gitlab":
            let auth: (String, String)
            if let token = env("GITLAB_TOKEN") {
                auth = ("PRIVATE-TOKEN", token)
            } else if let token = env("CI_JOB_TOKEN") {
                auth = ("JOB-TOKEN", token)
            } else {
                throw missing("GITLAB_TOKEN or CI_JOB_TOKEN")
            }
            guard let project = env("CI_PROJECT_ID") else { throw missing("CI_PROJECT_ID") }
            guard let iid = pr ?? env("CI_MERGE_REQUEST_IID").flatMap({ Int($0) }) else {
                throw FlameGraphError(
                    .usage,
                    "no merge request: CI_MERGE_REQUEST_IID is not set (run in a merge request pipeline, or pass --pr)")
            }
            let api = try url(env("CI_API_V4_URL") ?? "https://gitlab.com/api/v4", "CI_API_V4_URL")
            return GitLabNotes(http: CommentHTTP(authorization: auth), api: api, project: project, iid: iid)
        default:
            throw FlameGraphError(
                .usage, "--platform must be github or gitlab (or run where GITHUB_REPOSITORY or CI_PROJECT_ID is set)")
        }
    }

    static func missing(_ what: String) -> FlameGraphError {
        FlameGraphError(.usage, "\(what) is not set: flame-graph comment needs it")
    }

    static func url(_ text: String, _ name: String) throws -> URL {
        guard let u = URL(string: text), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.user == nil else {
            throw FlameGraphError(.usage, "\(name) is not an http(s) URL without credentials")
        }
        return u
    }

    /// The pull request number in the Actions event payload (`pull_request.number`, or `number`).
    static func eventNumber() throws -> Int {
        guard let path = env("GITHUB_EVENT_PATH") else {
            throw FlameGraphError(.usage, "no pull request number: pass --pr N (GITHUB_EVENT_PATH is not set)")
        }
        let data = Data(try InputFile.readAll(path))
        let event = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        if let n = (event?["pull_request"] as? [String: Any])?["number"] as? Int ?? event?["number"] as? Int {
            return n
        }
        throw FlameGraphError(.usage, "\(path) names no pull request (not a pull_request event?): pass --pr N")
    }
}
