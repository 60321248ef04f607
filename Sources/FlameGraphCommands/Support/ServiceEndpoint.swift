import FlameGraphCapture
import FlameGraphCore
import Foundation

/// The command-line side of the service profilers (`api`, `hce`, `memory --url`, `pdie`): checking
/// `--url`, and reading a credential from its option or the environment. The request itself is
/// `EndpointSource` (FlameGraphCapture).
///
/// Credentials go only into a request's header: never into the URL, a message, the progress line,
/// a child's environment or an output. Messages name the URL without user name or password.
enum ServiceEndpoint {
    /// Seconds allowed beyond the profiling time for the service to answer and send the profile.
    static let margin = EndpointSource.margin

    /// `base` + `path` + `query`, checked: an http(s) URL with a host.
    static func url(_ base: String, path: String = "", query: [URLQueryItem] = []) throws -> URL {
        let trimmed = base.hasSuffix("/") && !path.isEmpty ? String(base.dropLast()) : base
        guard var parts = URLComponents(string: trimmed + path), let scheme = parts.scheme?.lowercased(),
            ["http", "https"].contains(scheme), parts.host?.isEmpty == false
        else {
            throw FlameGraphError(
                .usage, "--url '\(redacted(base))' is not an http(s) URL: use the form http://localhost:8080")
        }
        if !query.isEmpty { parts.queryItems = (parts.queryItems ?? []) + query }
        guard let url = parts.url else {
            throw FlameGraphError(.usage, "--url '\(redacted(base))' with '\(path)' is not a valid URL")
        }
        return url
    }

    /// `text` without a user name or password, when it parses as a URL.
    static func redacted(_ text: String) -> String {
        guard var parts = URLComponents(string: text), parts.user != nil || parts.password != nil else { return text }
        parts.user = nil
        parts.password = nil
        return parts.string ?? "the URL"
    }

    /// The option's value, else the environment variable's; an empty value counts as not given.
    static func secret(_ option: String?, environment name: String) -> String? {
        let value = option ?? CLIContext.current.value(name)
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
