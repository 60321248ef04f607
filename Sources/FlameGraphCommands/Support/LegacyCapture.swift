import FlameGraphCapture
import FlameGraphCore
import Foundation

// The closure-based capture API that `memory` (MemoryCommand, owned by `runtimes`) still calls, kept
// on top of the new seam so that file builds unchanged. New code uses a `ProfileSource` (for a pprof
// heap endpoint: `EndpointSource.pprofHeap`) and `CaptureFlow.run`. Delete this file when `memory`
// has moved.

/// What the closure of `CaptureSession.run` hands back for one round.
struct CapturedProfile {
    var profile: Profile
    var summary: String
    var rate: Double?
    var defaultPalette: Palette = .hot
}

/// The legacy entry point: `body` runs once per round with the round to capture in.
enum CaptureSession {
    static func run(
        _ options: CaptureOptionGroup, render: RenderOptionGroup,
        _ body: @escaping (CaptureRound) throws -> CapturedProfile
    ) throws {
        // One round: `memory` fetches a snapshot, and merged snapshots would add their bytes up.
        var options = options
        options.rounds = 1
        try CaptureFlow.run(ClosureSource(body: body), capture: options, render: render)
    }
}

/// A source made of a closure (the legacy API).
private final class ClosureSource: ProfileSource {
    let body: (CaptureRound) throws -> CapturedProfile
    private var last: CapturedProfile?

    init(body: @escaping (CaptureRound) throws -> CapturedProfile) { self.body = body }

    var metadata: CaptureMetadata {
        CaptureMetadata(
            subject: "", samplingRate: last?.rate, defaultPalette: last?.defaultPalette ?? .hot)
    }

    func capture(_ round: CaptureRound) throws -> RoundCapture {
        let captured = try body(round)
        last = captured
        return RoundCapture(profile: captured.profile)
    }

    func summary(of merged: Profile, rounds: [Profile]) -> String { last?.summary ?? CaptureText.amount(merged) }
}

extension ServiceEndpoint {
    /// The legacy GET: the body of a 2xx answer within the round (Ctrl-C cancels it).
    static func get(
        _ round: CaptureRound, _ url: URL, headers: [String: String], credential: (name: String, hint: String)?,
        label: String, timeout: Double
    ) throws -> [UInt8] {
        let source = EndpointSource(
            url: url, durationParameter: nil, headers: headers,
            credential: credential.map { .init(name: $0.name, hint: $0.hint) }, formats: [], label: label)
        return try source.fetchBody(round, timeout: timeout)
    }

    /// The legacy decode (see `EndpointDecoding.decode`).
    static func decode(
        _ body: [UInt8], formats: [ProfileFormat], url: URL, options: ImportOptions = ImportOptions(),
        preferredSampleType: String? = nil, quiet: Bool
    ) throws -> Profile {
        try EndpointDecoding.decode(
            body, formats: formats, url: url, options: options, preferredSampleType: preferredSampleType,
            warn: { if !quiet { Console.warn($0) } })
    }

    /// `2,954 samples from http://…`, `12,345,678 bytes from …`.
    static func summary(_ profile: Profile, from url: URL) -> String {
        "\(CaptureText.amount(profile)) from \(ProfileFetch.displayed(url))"
    }
}
