import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph pdie`: the Python service behind a URL, found by its port and sampled with py-spy.
struct PdieCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdie",
        abstract: "Profile the Python service listening behind a URL (py-spy on the process that owns its port).",
        discussion: """
            Without --pid: finds the process listening on the URL's port on this machine (/proc/net/tcp,
            /proc/net/tcp6 and each process's sockets), checks that it is Python, checks that the service
            answers a GET of --url (with the API key in an X-API-Key header only), then samples it with
            py-spy. A pre-forking server's parent is sampled with its workers (--subprocesses).
            The API key is read from --api-key or RESQ_API_KEY and never printed, logged or passed on.

            Examples:
              RESQ_API_KEY=… flame-graph pdie --url http://localhost:8000/health --duration 30
              flame-graph pdie --pid 4242 --output pdie.svg
            """)

    @Option(help: "The service's URL (its port finds the process; GET once as a health check).")
    var url: String = "http://localhost:8000"

    @Option(
        name: [.customLong("api-key")],
        help: ArgumentHelp(
            "API key for the health check (default: $RESQ_API_KEY); sent only as X-API-Key.", valueName: "key"))
    var apiKey: String?

    @Option(help: "Sample this process instead of looking up the URL's port (no health check).")
    var pid: Int32?

    @OptionGroup var pySpy: PySpyOptionGroup
    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        let key = ServiceEndpoint.secret(apiKey, environment: "RESQ_API_KEY")
        let target: Int32
        var includeChildren = false
        if let pid {
            target = pid
        } else {
            let endpoint = try ServiceLocator.endpoint(url)
            guard ServiceLocator.isLocal(endpoint.host) else {
                throw FlameGraphError(
                    .usage,
                    "--url \(url) is not on this machine: pdie finds the service by the port it listens on here; run it on the service's host, or pass --pid"
                )
            }
            let (found, children) = try ServiceLocator.pythonProcess(for: endpoint, url: url)
            target = found
            includeChildren = children
            try checkHealth(key)
            if children && !capture.output.quiet {
                Console.warn(
                    "several processes share port \(endpoint.port): sampling pid \(found) and its children (--subprocesses)"
                )
            }
        }
        let source = PySpySource(
            pid: target, options: pySpy.options(includeChildren: includeChildren), label: "pdie: sampling pid \(target)"
        )
        try CaptureFlow.run(source, capture: capture, render: render)
    }

    /// One GET of --url; the service must answer (a refused key is fatal, no answer only a warning:
    /// a hung service is what one wants a profile of).
    func checkHealth(_ key: String?) throws {
        guard let parsed = URL(string: url) else {
            throw FlameGraphError(.usage, "--url '\(url)' is not a URL: use the form http://localhost:8000")
        }
        switch ServiceProbe.get(parsed, apiKey: key) {
        case .answered:
            return
        case .rejected(let status):
            let hint =
                key == nil
                ? "pass --api-key or set RESQ_API_KEY" : "check the key (--api-key or RESQ_API_KEY)"
            throw FlameGraphError(
                .unavailable, "the service at \(url) refused the request (HTTP \(status)): \(hint), or pass --pid")
        case .unreachable(let why):
            if !capture.output.quiet {
                Console.warn("the service at \(url) did not answer (\(why)); sampling the process anyway")
            }
        }
    }
}
