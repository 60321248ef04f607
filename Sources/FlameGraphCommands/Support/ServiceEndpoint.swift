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
        // The path goes after the base's own path, before its query (`?tenant=a` stays a query).
        guard var parts = URLComponents(string: base), let scheme = parts.scheme?.lowercased(),
            ["http", "https"].contains(scheme), parts.host?.isEmpty == false
        else {
            throw FlameGraphError(
                .usage, "--url '\(redacted(base))' is not an http(s) URL: use the form http://localhost:8080")
        }
        if !path.isEmpty {
            let basePath =
                parts.percentEncodedPath.hasSuffix("/")
                ? parts.percentEncodedPath.dropLast() : parts.percentEncodedPath[...]
            parts.percentEncodedPath = basePath + (path.hasPrefix("/") ? path : "/" + path)
        }
        if !query.isEmpty { parts.queryItems = (parts.queryItems ?? []) + query }
        guard let url = parts.url else {
            throw FlameGraphError(.usage, "--url '\(redacted(base))' with '\(path)' is not a valid URL")
        }
        return url
    }

    /// `text` without a user name or password (see `Redaction`).
    static func redacted(_ text: String) -> String { Redaction.url(text) }

    /// The option's value, else the environment variable's; an empty value counts as not given.
    /// A secret given as an option is visible to every user (`ps`, `/proc/PID/cmdline`): warned about.
    static func secret(_ option: String?, environment name: String) -> String? {
        if let option, !option.isEmpty {
            let flag = ["RESQ_TOKEN": "--token", "RESQ_API_KEY": "--api-key"][name] ?? "a secret option"
            Console.warn(
                "\(flag) on the command line is visible to other users (ps, /proc); set \(name) in the environment instead"
            )
        }
        let value = option ?? CLIContext.current.value(name)
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }
}
