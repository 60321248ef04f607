import FlameGraphCore
import Foundation

/// A profile served by an HTTP endpoint (`api`: pprof or folded at `?seconds=N`; `hce`: a V8
/// `.cpuprofile` at `?duration=N`; a pprof heap endpoint for `memory`). One GET per round, asking the
/// service to profile for the round's duration (whole seconds, rounded up).
///
/// Credentials travel only in `headers`: never in the URL, a message, the progress line, the metadata
/// or a child's environment. Messages name the URL without user name or password. A first Ctrl-C
/// cancels the round's request (an endpoint's profile is all or nothing): earlier rounds are kept.
public struct EndpointSource: ProfileSource {
    /// What was sent to authenticate, for the message of a 401/403.
    public struct Credential: Sendable {
        /// `the API key`, `the token`.
        public var name: String
        /// How to give or fix it: `check --api-key or RESQ_API_KEY`.
        public var hint: String

        public init(name: String, hint: String) {
            self.name = name
            self.hint = hint
        }
    }

    /// Seconds allowed beyond the profiling time for the service to answer and send the profile.
    public static let margin = 15.0

    public let url: URL
    /// The query parameter that carries the round's seconds (`seconds`, `duration`); nil: the endpoint
    /// answers at once (a heap snapshot) and the round's duration only bounds the wait.
    public let durationParameter: String?
    public let headers: [String: String]
    public let credential: Credential?
    /// Accepted answers; the first when the bytes match none.
    public let formats: [ProfileFormat]
    public let importOptions: ImportOptions
    /// For pprof: draw this sample type when the profile has it (a CPU profile's `samples`).
    public let preferredSampleType: String?
    public let palette: Palette
    /// `api: profiling`: the progress line's label (the URL is appended).
    public let label: String

    public init(
        url: URL, durationParameter: String?, headers: [String: String] = [:], credential: Credential? = nil,
        formats: [ProfileFormat], importOptions: ImportOptions = ImportOptions(), preferredSampleType: String? = nil,
        palette: Palette = .hot, label: String
    ) {
        self.url = url
        self.durationParameter = durationParameter
        self.headers = headers
        self.credential = credential
        self.formats = formats
        self.importOptions = importOptions
        self.preferredSampleType = preferredSampleType
        self.palette = palette
        self.label = label
    }

    /// A pprof heap endpoint (Go's `/debug/pprof/heap`) drawn in `sampleType` with the memory palette:
    /// a snapshot per round, taken at once. The merge of several snapshots adds their bytes up: run it
    /// with one round to draw the heap, several only as replicates for a comparison.
    public static func pprofHeap(url: URL, sampleType: String, label: String = "memory: fetching") -> EndpointSource {
        var options = ImportOptions()
        options.sampleType = sampleType
        return EndpointSource(
            url: url, durationParameter: nil, formats: [.pprof], importOptions: options, palette: .mem, label: label)
    }

    public var metadata: CaptureMetadata {
        let shown = ProfileFetch.displayed(url)
        return CaptureMetadata(
            subject: "from \(shown)", captureCommand: "GET \(shown)" + (durationParameter.map { "?\($0)=N" } ?? ""),
            defaultPalette: palette)
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        let seconds = max(1, Int(round.duration.rounded(.up)))
        let target = try requestURL(seconds: seconds)
        let timeout = (durationParameter == nil ? round.duration : Double(seconds)) + Self.margin
        let body = try get(target, session: round.session, duration: round.duration, timeout: timeout)
        let profile = try EndpointDecoding.decode(
            body, formats: formats, url: target, options: importOptions, preferredSampleType: preferredSampleType,
            warn: round.session.warn)
        return RoundCapture(profile: profile)
    }

    public func nothingCaptured(_ session: CaptureSession) -> FlameGraphError {
        FlameGraphError(.badInput, "the answer of \(ProfileFetch.displayed(url)) holds no samples")
    }

    private func requestURL(seconds: Int) throws -> URL {
        guard let durationParameter else { return url }
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw FlameGraphError(.usage, "\(ProfileFetch.displayed(url)) is not a valid URL")
        }
        parts.queryItems = (parts.queryItems ?? []) + [URLQueryItem(name: durationParameter, value: String(seconds))]
        guard let full = parts.url else {
            throw FlameGraphError(.usage, "\(ProfileFetch.displayed(url)) is not a valid URL")
        }
        return full
    }

    /// The body of a 2xx answer of `url` as it is (no duration parameter), within `round`.
    public func fetchBody(_ round: CaptureRound, timeout: Double) throws -> [UInt8] {
        try get(url, session: round.session, duration: timeout, timeout: timeout)
    }

    /// The body of a 2xx answer; every other outcome as one sentence.
    private func get(_ target: URL, session: CaptureSession, duration: Double, timeout: Double) throws -> [UInt8] {
        let shown = ProfileFetch.displayed(target)
        let request = ProfileFetch(target, headers: headers, timeout: timeout)
        let title = label.contains("://") ? label : "\(label) \(shown)"
        switch try session.fetch(request, label: title, duration: duration) {
        case .cancelled:
            throw RoundCancelled()
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
                    .unavailable, "the service answered HTTP \(status) at \(shown)\(EndpointDecoding.snippet(body))")
            }
            guard !body.isEmpty else {
                throw FlameGraphError(.badInput, "the service at \(shown) answered HTTP \(status) with an empty body")
            }
            return body
        }
    }
}
