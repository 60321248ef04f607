import FlameGraphCapture
import FlameGraphCore
import Foundation

/// The service profilers' shared step (`api`, `hce`, `memory --url`): GET a profile endpoint with its
/// credentials in a header, map every failure to one sentence, and decode the answer.
///
/// Credentials go only into the request's header: never into the URL, a message, the progress line,
/// a child's environment or an output. Messages name the URL without user name or password.
enum ServiceEndpoint {
    /// Seconds allowed beyond the profiling time for the service to answer and send the profile.
    static let margin = 15.0

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

    /// An empty value counts as not given.
    /// A secret given as an option is visible to every user (`ps`, `/proc/PID/cmdline`): warned about.
    static func secret(_ option: String?, environment name: String) -> String? {
        if let option, !option.isEmpty {
            let flag = ["RESQ_TOKEN": "--token", "RESQ_API_KEY": "--api-key"][name] ?? "a secret option"
            Console.warn(
                "\(flag) on the command line is visible to other users (ps, /proc); set \(name) in the environment instead"
            )
        }
        let value = option ?? ProcessEnvironment.value(name)
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// GETs `url` within the session (Ctrl-C cancels) and returns the body of a 2xx answer.
    /// `credential` names what was sent ("the API key", "the token"), for a 401/403, and how to give it.
    static func get(
        _ session: CaptureSession, _ url: URL, headers: [String: String], credential: (name: String, hint: String)?,
        label: String, timeout: Double
    ) throws -> [UInt8] {
        let shown = ProfileFetch.displayed(url)
        let request = ProfileFetch(url, headers: headers, timeout: timeout)
        switch try session.fetch(request, label: label) {
        case .cancelled:
            throw CommandExit(status: ExitStatus.interrupted)
        case .failed(let reason, let timedOut):
            if request.exceededLimit { throw FlameGraphError(.badInput, "\(shown): \(reason)") }
            if timedOut {
                throw FlameGraphError(
                    .unavailable, "no answer from \(shown) within \(Int(timeout)) s: is the service busy or stuck?")
            }
            throw FlameGraphError(.unavailable, "cannot reach \(shown): \(reason); is the service running?")
        case .answered(let status, let body):
            if status == 401 || status == 403 {
                guard let credential else {
                    throw FlameGraphError(.unavailable, "the service refused the request (HTTP \(status)) at \(shown)")
                }
                let given = headers.isEmpty ? "\(credential.name) was not given: \(credential.hint)" : credential.hint
                throw FlameGraphError(
                    .unavailable, "the service refused \(credential.name) (HTTP \(status)) at \(shown); \(given)")
            }
            guard (200..<300).contains(status) else {
                throw FlameGraphError(
                    .unavailable, "the service answered HTTP \(status) at \(shown)\(snippet(body))")
            }
            guard !body.isEmpty else {
                throw FlameGraphError(.badInput, "the service at \(shown) answered HTTP \(status) with an empty body")
            }
            return body
        }
    }

    /// The first line of an error body, short and printable, as `: text` (or nothing).
    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? "" : ": \(clean.prefix(120))"
    }

    /// Decodes an endpoint's answer as one of `formats` (the first when the answer's bytes match none);
    /// anything that is not such a profile is bad input (65). A pprof answer is read as its
    /// `preferredSampleType` when it has one (a CPU profile's sample counts, which the gate's statistics
    /// need), else as `options` say.
    static func decode(
        _ body: [UInt8], formats: [ProfileFormat], url: URL, options: ImportOptions = ImportOptions(),
        preferredSampleType: String? = nil, quiet: Bool
    ) throws -> Profile {
        let source = "the answer of \(ProfileFetch.displayed(url))"
        let sniffed = body.prefix(4096).withUnsafeBytes { ProfileFormat.sniff($0) }
        guard
            let format = sniffed.flatMap({ formats.contains($0) ? $0 : nil }) ?? (formats.count == 1 ? formats[0] : nil)
        else {
            let expected = formats.map(\.rawValue).joined(separator: " or ")
            throw FlameGraphError(
                .badInput, "\(source) is not a profile (expected \(expected))\(snippetIfText(body))")
        }
        var decoded: DecodedProfile
        do {
            if let preferred = preferredSampleType, format == .pprof, options.sampleType == nil {
                var counts = options
                counts.sampleType = preferred
                do {
                    decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: counts)
                } catch let error as FlameGraphError where error.kind == .usage {
                    decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: options)
                }
            } else {
                decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: options)
            }
        } catch let error as FlameGraphError where error.kind == .badInput {
            throw FlameGraphError(.badInput, "\(error.message)\(snippetIfText(body))")
        }
        if !quiet { for w in decoded.diagnostics.warnings { Console.warn(w) } }
        guard decoded.profile.totalWeight > 0 else {
            throw FlameGraphError(.badInput, "\(source) holds no samples")
        }
        return decoded.profile
    }

    /// What a text body began with, to show when it was not a profile (an HTML error page…).
    static func snippetIfText(_ body: [UInt8]) -> String {
        let head = body.prefix(200)
        guard !head.isEmpty, head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 0x20 && $0 < 0x7F) }) else {
            return ""
        }
        let s = snippet(Array(head))
        return s.isEmpty ? "" : " (it began\(s))"
    }

    /// `2,954 samples from http://…`, `12,345,678 bytes from …`: for the summary line.
    static func summary(_ profile: Profile, from url: URL) -> String {
        let total = profile.totalWeight
        let amount =
            profile.unit.countName == "samples"
            ? ProgressLine.count(total, "sample") : "\(NumberFormatting.grouped(total)) \(profile.unit.countName)"
        return "\(amount) from \(ProfileFetch.displayed(url))"
    }
}
