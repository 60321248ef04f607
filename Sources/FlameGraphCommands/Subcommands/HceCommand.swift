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
            process list). Redirects are not followed. Ctrl-C cancels the request in flight (earlier
            rounds are kept; with none, exit 130).
            With --inspect HOST:PORT (a process started with node --inspect) or --pid PID (SIGUSR1 opens
            the inspector, on 127.0.0.1:9229 unless --inspect says where), flame-graph speaks the Chrome
            DevTools Protocol itself: Profiler.enable, then per round Profiler.start, wait, Profiler.stop.
            Then a first Ctrl-C stops early and draws what was profiled.

            Examples:
              RESQ_TOKEN=… flame-graph hce --url http://localhost:3000 --duration 30 --output hce.svg
              flame-graph hce --service hce --save-baseline
              flame-graph hce --inspect 127.0.0.1:9229 --duration 10 --output hce.svg
              flame-graph hce --pid "$(pgrep -f server.js)" --duration 10
            """)

    @Option(help: "The service's base URL.")
    var url: String = "http://localhost:3000"

    @Option(
        help: ArgumentHelp(
            "Bearer token (default: $RESQ_TOKEN); sent only in the Authorization header.", valueName: "token"))
    var token: String?

    @Option(
        help: ArgumentHelp(
            "Profile through Node's inspector (Chrome DevTools Protocol) at HOST:PORT or a ws:// URL instead of --url.",
            valueName: "HOST:PORT|WS-URL"))
    var inspect: String?

    @Option(
        help:
            "Open the inspector of this Node process with SIGUSR1 and profile through it (at --inspect, default 127.0.0.1:9229)."
    )
    var pid: Int32?

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        let source: any ProfileSource
        if inspect != nil || pid != nil {
            source = InspectorSource(target: try DevToolsClient.Target(inspect ?? "127.0.0.1:9229"), pid: pid)
        } else {
            let secret = ServiceEndpoint.secret(token, environment: "RESQ_TOKEN")
            source = EndpointSource(
                url: try ServiceEndpoint.url(url, path: "/admin/cpu-profile"), durationParameter: "duration",
                headers: secret.map { ["Authorization": "Bearer \($0)"] } ?? [:],
                credential: .init(name: "the token", hint: "check --token or RESQ_TOKEN"), formats: [.cpuprofile],
                palette: .js, label: "hce: profiling")
        }
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
