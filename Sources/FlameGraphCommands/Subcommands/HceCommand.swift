import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph hce`: the V8 CPU profile a Node/Bun service serves at `/admin/cpu-profile`.
struct HceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hce",
        abstract: "Fetch a V8 CPU profile (.cpuprofile) from a Node/Bun service's admin endpoint and draw it.",
        discussion: """
            GETs {url}/admin/cpu-profile?duration=N (N = --duration) with an Authorization: Bearer <token>
            header and draws the .cpuprofile it answers with. The token is read from --token or RESQ_TOKEN
            and never printed, logged, put in a URL or saved; prefer the variable (an option shows in the
            process list). Redirects are not followed. Ctrl-C cancels the request (exit 130).
            Attaching to the inspector directly (--inspect, --pid) is not available yet.

            Examples:
              RESQ_TOKEN=… flame-graph hce --url http://localhost:3000 --duration 30 --output hce.svg
              flame-graph hce --service hce --save-baseline
            """)

    @Option(help: "The service's base URL.")
    var url: String = "http://localhost:3000"

    @Option(
        help: ArgumentHelp(
            "Bearer token (default: $RESQ_TOKEN); sent only in the Authorization header.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp(visibility: .hidden))
    var inspect: String?

    @Option(help: ArgumentHelp(visibility: .hidden))
    var pid: Int32?

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if inspect != nil || pid != nil {
            throw ValidationError(
                "hce \(inspect != nil ? "--inspect" : "--pid") (the Chrome DevTools Protocol mode) is not available yet: serve /admin/cpu-profile and use --url, or record with `node --cpu-prof` and run `flame-graph file --input FILE.cpuprofile`"
            )
        }
    }

    func run() throws {
        let secret = ServiceEndpoint.secret(token, environment: "RESQ_TOKEN")
        let duration = capture.duration
        let endpoint = try ServiceEndpoint.url(
            url, path: "/admin/cpu-profile", query: [URLQueryItem(name: "duration", value: String(duration))])
        try CaptureSession.run(capture, render: render) { session in
            let body = try ServiceEndpoint.get(
                session, endpoint, headers: secret.map { ["Authorization": "Bearer \($0)"] } ?? [:],
                credential: ("the token", "check --token or RESQ_TOKEN"),
                label: "hce: profiling \(ProfileFetch.displayed(endpoint))",
                timeout: Double(duration) + ServiceEndpoint.margin)
            let profile = try ServiceEndpoint.decode(
                body, formats: [.cpuprofile], url: endpoint, quiet: capture.output.quiet)
            return CapturedProfile(
                profile: profile, summary: ServiceEndpoint.summary(profile, from: endpoint), rate: nil,
                defaultPalette: .js)
        }
    }
}
