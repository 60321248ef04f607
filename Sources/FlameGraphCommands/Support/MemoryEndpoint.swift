import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `memory --url`: a pprof heap profile from a service's endpoint (Go's /debug/pprof/heap), in bytes.
/// One snapshot unless --rounds asks for replicates (merged snapshots add their bytes up).
enum MemoryEndpoint {
    static func run(url: String, sampleType: String, capture: CaptureOptionGroup, render: RenderOptionGroup) throws {
        if sampleType.isEmpty { throw FlameGraphError(.usage, "--sample-type must not be empty") }
        let endpoint = try ServiceEndpoint.url(url)
        try CaptureFlow.run(
            EndpointSource.pprofHeap(url: endpoint, sampleType: sampleType), capture: capture, render: render)
    }
}
