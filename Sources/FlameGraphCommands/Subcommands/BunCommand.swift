import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// `flame-graph bun`: Bun CPU profiles, from a command (--cpu-prof) or a running Bun's WebKit inspector.
struct BunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bun",
        abstract: "Profile a Bun program (--cpu-prof, or its WebKit inspector) and draw its flame graph.",
        discussion: """
            --cmd runs the command with BUN_OPTIONS="--cpu-prof --cpu-prof-dir=<temp>" (so `bun run
            script` and child bun processes are profiled too) and reads the .cpuprofile files Bun writes
            when it exits; weights are microseconds; --rounds N slices that one run into N windows of time.
            Bun writes the profile only when it exits on its own: give a --duration longer than the run.
            --inspect URL (the ws://HOST:PORT/ID Bun prints when started with --inspect) or --pid PID (a Bun
            started with --inspect=HOST:PORT/NAME) profiles through the WebKit inspector protocol
            (ScriptProfiler), one count per sample. Bun answers it between event-loop turns: code that
            never yields gets no samples — use --cmd for that. Functions JavaScriptCore inlined show as
            their caller.
            --url BASE GETs BASE/admin/cpu-profile?duration=N (a Bun service's admin endpoint answering a
            .cpuprofile), as `hce --url` does, with RESQ_TOKEN as bearer token when set.

            Examples:
              flame-graph bun --cmd 'bun run app.ts' --duration 60 --output bun.svg
              flame-graph bun --inspect ws://127.0.0.1:6499/0f3a… --duration 10 --folded-output bun.folded
              flame-graph bun --pid "$(pgrep -f server.ts)" --service api --baseline auto
              RESQ_TOKEN=… flame-graph bun --url http://localhost:3000 --duration 20
            """)

    @Option(help: ArgumentHelp("The command to run and profile (through /bin/sh -c).", valueName: "command"))
    var cmd: String?

    @Option(help: ArgumentHelp("A Bun inspector: ws://HOST:PORT/ID as Bun printed it.", valueName: "ws-url"))
    var inspect: String?

    @Option(help: "A running Bun started with --inspect=HOST:PORT/NAME.")
    var pid: Int32?

    @Option(help: "A Bun service's base URL whose /admin/cpu-profile answers a .cpuprofile.")
    var url: String?

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        guard [cmd != nil, inspect != nil, pid != nil, url != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --cmd, --inspect, --pid and --url")
        }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
        if let cmd, cmd.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--cmd needs a command") }
    }

    func run() throws {
        if let url {
            let token = ServiceEndpoint.secret(nil, environment: "RESQ_TOKEN")
            let source = EndpointSource(
                url: try ServiceEndpoint.url(url, path: "/admin/cpu-profile"), durationParameter: "duration",
                headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:],
                credential: .init(name: "the token", hint: "check RESQ_TOKEN"), formats: [.cpuprofile], palette: .js,
                label: "bun: profiling")
            return try CaptureFlow.run(source, capture: capture, render: render)
        }
        let source: BunSource
        if let cmd {
            source = BunSource(.command(cmd))
        } else if let pid {
            source = BunSource(.inspector(try WebKitInspector.endpoint(try BunSource.inspectorURL(pid: pid)), pid: pid))
        } else {
            source = BunSource(.inspector(try WebKitInspector.endpoint(inspect!), pid: nil))
        }
        try CaptureFlow.run(source, capture: capture, render: render)
    }
}
