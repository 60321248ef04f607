import FlameGraphCapture
import FlameGraphCore
import Foundation

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
