import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph api`: the CPU profile a service serves at an admin endpoint (pprof or folded).
struct ApiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Fetch a CPU profile from a service's profile endpoint (pprof or folded) and draw it.",
        discussion: """
            GETs {url}{path}?seconds=N (N = --duration) with the API key in an X-API-Key header only, and
            draws the answer: a pprof protobuf profile (gzip or not, e.g. Go's net/http/pprof) or folded
            stacks. The API key is read from --api-key or RESQ_API_KEY and never printed, logged, put in a
            URL or saved; prefer the variable (an option shows in the process list). Redirects are not
            followed. --rounds N sends N back-to-back requests of duration/N seconds each (rounded up).
            Ctrl-C cancels the request in flight: earlier rounds are kept; with none, exit 130.

            Examples:
              RESQ_API_KEY=… flame-graph api --url http://localhost:8080 --duration 30 --output api.svg
              flame-graph api --url http://localhost:6060 --path /debug/pprof/profile --duration 10
              flame-graph api --service api --baseline auto --markdown report.md

            A pprof CPU profile is drawn in samples when it has a `samples` sample type (Go's does), so
            the gate's statistics see the real sample counts; otherwise in its default sample type.
            """)

    @Option(help: "The service's base URL.")
    var url: String = "http://localhost:8080"

    @Option(
        name: [.customLong("api-key")],
        help: ArgumentHelp("API key (default: $RESQ_API_KEY); sent only as X-API-Key.", valueName: "key"))
    var apiKey: String?

    @Option(help: "The profile endpoint's path, appended to --url (the query ?seconds=N is added).")
    var path: String = "/admin/profile"

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if !path.hasPrefix("/") { throw ValidationError("--path must start with /, got '\(path)'") }
    }

    func run() throws {
        let key = ServiceEndpoint.secret(apiKey, environment: "RESQ_API_KEY")
        let source = EndpointSource(
            url: try ServiceEndpoint.url(url, path: path), durationParameter: "seconds",
            headers: key.map { ["X-API-Key": $0] } ?? [:],
            credential: .init(name: "the API key", hint: "check --api-key or RESQ_API_KEY"),
            formats: [.pprof, .folded], preferredSampleType: "samples", label: "api: profiling")
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
