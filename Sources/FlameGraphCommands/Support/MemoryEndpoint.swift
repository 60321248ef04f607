import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `memory --url`: a pprof heap profile from a service's endpoint (Go's /debug/pprof/heap), in bytes.
enum MemoryEndpoint {
    static func run(url: String, sampleType: String, capture: CaptureOptionGroup, render: RenderOptionGroup) throws {
        if sampleType.isEmpty { throw FlameGraphError(.usage, "--sample-type must not be empty") }
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
