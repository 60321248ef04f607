import FlameGraphCore
import Foundation

/// Where the one report comment lives, and how to list, create and update it.
protocol CommentPlatform {
    /// Every existing comment as (id, body), oldest first, following pagination.
    func comments() throws -> [(id: Int, body: String)]
    func create(_ body: String) throws
    func update(id: Int, _ body: String) throws
    var maxLength: Int { get }
    var name: String { get }
}

/// GitHub REST: pull requests are issues; their conversation comments are issue comments.
struct GitHubComments: CommentPlatform {
    var http: CommentHTTP
    var api: URL
    var repository: String
    var number: Int
    var name: String { "\(repository)#\(number)" }
    let maxLength = 65_536

    func comments() throws -> [(id: Int, body: String)] {
        var next: URL? = api.appending(path: "repos/\(repository)/issues/\(number)/comments")
            .appending(queryItems: [URLQueryItem(name: "per_page", value: "100")])
        var out: [(id: Int, body: String)] = []
        var pages = 0
        while let url = next, pages < 100 {
            let r = try http.send("GET", url)
            out += try Self.parseList(r.body, url)
            next = r.headers["link"].flatMap(Self.nextLink)
            pages += 1
        }
        return out
    }

    func create(_ body: String) throws {
        _ = try http.send(
            "POST", api.appending(path: "repos/\(repository)/issues/\(number)/comments"), json: ["body": body])
    }

    func update(id: Int, _ body: String) throws {
        _ = try http.send(
            "PATCH", api.appending(path: "repos/\(repository)/issues/comments/\(id)"), json: ["body": body])
    }

    /// The `rel="next"` URL of an RFC 8288 `Link` header.
    static func nextLink(_ header: String) -> URL? {
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count >= 2, pieces.dropFirst().contains(where: { $0 == "rel=\"next\"" || $0 == "rel=next" }),
                pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">")
            else { continue }
            return URL(string: String(pieces[0].dropFirst().dropLast()))
        }
        return nil
    }

    static func parseList(_ data: Data, _ url: URL) throws -> [(id: Int, body: String)] {
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw FlameGraphError(.badInput, "GET \(url.absoluteString): the answer is not a list of comments")
        }
        return list.compactMap { c in (c["id"] as? Int).map { (id: $0, body: (c["body"] as? String) ?? "") } }
    }
}

/// GitLab merge request notes (REST v4).
struct GitLabNotes: CommentPlatform {
    var http: CommentHTTP
    var api: URL
    var project: String
    var iid: Int
    var name: String { "project \(project) !\(iid)" }
    /// GitLab notes take up to 1,000,000 characters.
    let maxLength = 1_000_000

    private var notesURL: URL {
        let encoded = project.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? project
        return URL(string: api.absoluteString.trimmingSuffix("/") + "/projects/\(encoded)/merge_requests/\(iid)/notes")!
    }

    func comments() throws -> [(id: Int, body: String)] {
        var next: URL? = notesURL.appending(queryItems: [
            URLQueryItem(name: "per_page", value: "100"), URLQueryItem(name: "sort", value: "asc"),
        ])
        var out: [(id: Int, body: String)] = []
        var pages = 0
        while let url = next, pages < 100 {
            let r = try http.send("GET", url)
            out += try GitHubComments.parseList(r.body, url)
            next = r.headers["link"].flatMap(GitHubComments.nextLink)
            if next == nil, let page = r.headers["x-next-page"], !page.isEmpty {
                next = notesURL.appending(queryItems: [
                    URLQueryItem(name: "per_page", value: "100"), URLQueryItem(name: "sort", value: "asc"),
                    URLQueryItem(name: "page", value: page),
                ])
            }
            pages += 1
        }
        return out
    }

    func create(_ body: String) throws { _ = try http.send("POST", notesURL, json: ["body": body]) }

    func update(id: Int, _ body: String) throws {
        _ = try http.send("PUT", notesURL.appending(path: String(id)), json: ["body": body])
    }
}

extension String {
    fileprivate func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
