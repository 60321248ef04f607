import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph memory --url`: a pprof heap profile from a service's endpoint, drawn in bytes.
struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Fetch a pprof heap profile from a service's endpoint and draw an allocation flame graph in bytes.",
        discussion: """
            GETs --url (a pprof heap endpoint, e.g. Go's /debug/pprof/heap) and draws the chosen sample type
            with the mem palette. The answer comes at once: --duration only bounds the wait (plus 15 s).
            Sample types of Go heap profiles: inuse_space (default), inuse_objects, alloc_space,
            alloc_objects. Memory of a local process (--pid) is not available yet.

            Examples:
              flame-graph memory --url http://localhost:6060/debug/pprof/heap --output heap.svg
              flame-graph memory --url 'http://localhost:6060/debug/pprof/heap?gc=1' --sample-type alloc_space
            """)

    @Option(help: "The pprof heap endpoint.")
    var url: String

    @Option(name: [.customLong("sample-type")], help: "The pprof sample type to draw.")
    var sampleType: String = "inuse_space"

    @Option(help: ArgumentHelp(visibility: .hidden))
    var pid: Int32?

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        if pid != nil {
            throw ValidationError("memory --pid is not available yet: profile a pprof heap endpoint with --url")
        }
        if sampleType.isEmpty { throw ValidationError("--sample-type must not be empty") }
    }

    func run() throws {
        let endpoint = try ServiceEndpoint.url(url)
        var options = ImportOptions()
        options.sampleType = sampleType
        try CaptureSession.run(capture, render: render) { session in
            let body = try ServiceEndpoint.get(
                session, endpoint, headers: [:], credential: nil,
                label: "memory: fetching \(ProfileFetch.displayed(endpoint))",
                timeout: Double(capture.duration) + ServiceEndpoint.margin)
            let profile = try ServiceEndpoint.decode(
                body, formats: [.pprof], url: endpoint, options: options, quiet: capture.output.quiet)
            return CapturedProfile(
                profile: profile, summary: ServiceEndpoint.summary(profile, from: endpoint), rate: nil,
                defaultPalette: .mem)
        }
    }
}
