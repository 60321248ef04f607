import FlameGraphCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A V8 CPU profile taken through the Chrome DevTools Protocol (`hce --inspect` / `hce --pid`): connect
/// once, then per round `Profiler.start`, wait, `Profiler.stop`. With a pid, SIGUSR1 first opens Node's
/// inspector. A first Ctrl-C ends the round's profiling early and keeps what was profiled.
public final class InspectorSource: ProfileSource, @unchecked Sendable {
    public let target: DevToolsClient.Target
    public let pid: Int32?
    // The connection, opened by `prepare` and used from the capturing thread only.
    private var client: DevToolsClient?

    public init(target: DevToolsClient.Target, pid: Int32?) {
        self.target = target
        self.pid = pid
    }

    public var metadata: CaptureMetadata {
        CaptureMetadata(
            subject: "from the inspector at \(target.shown)", captureCommand: "Profiler.start/stop at \(target.shown)",
            defaultPalette: .js)
    }

    public func prepare(_ session: CaptureSession) throws {
        if let pid {
            try CaptureFiles.requireProcess(pid)
            let exe = ProcFS.executable(of: pid).map { ($0 as NSString).lastPathComponent } ?? ""
            guard exe.hasPrefix("node") else {
                throw FlameGraphError(
                    .unavailable,
                    "pid \(pid) is not Node (\(exe.isEmpty ? "unknown executable" : exe)): --pid sends SIGUSR1, which opens Node's inspector but would end most other programs"
                )
            }
            guard kill(pid, SIGUSR1) == 0 else {
                throw FlameGraphError(
                    .unavailable,
                    "cannot signal pid \(pid) (\(String(cString: strerror(errno)))): run as its user or root")
            }
        }
        // After a first Ctrl-C the inspector has `stopGrace` seconds to hand over the profile, whatever it does.
        let client = try DevToolsClient(
            target, waitForIt: pid != nil ? 10 : 0,
            shouldStop: { session.aborted || (session.secondsSinceStop ?? 0) > CaptureSession.stopGrace })
        guard try client.call("Profiler.enable") != nil else { throw CaptureInterrupted() }
        self.client = client
    }

    public func capture(_ round: CaptureRound) throws -> RoundCapture {
        let session = round.session
        guard let client else { throw FlameGraphError(.internal, "the inspector source was not prepared") }
        guard try client.call("Profiler.start") != nil else { throw CaptureInterrupted() }
        try session.waitWhileRecording(round.duration, label: "hce: profiling \(target.shown)")
        guard let result = try client.call("Profiler.stop", timeout: 60) else { throw CaptureInterrupted() }
        guard let profile = result["profile"], let bytes = try? JSONSerialization.data(withJSONObject: profile) else {
            throw FlameGraphError(
                .badInput, "the inspector at \(target.shown) answered Profiler.stop without a profile")
        }
        let drawn = try EndpointDecoding.decode(
            [UInt8](bytes), formats: [.cpuprofile], url: URL(string: "ws://\(target.shown)")!, warn: session.warn)
        return RoundCapture(profile: drawn)
    }

    public func finish(_ session: CaptureSession) {
        if let client, !session.aborted { _ = try? client.call("Profiler.disable", timeout: 2) }
        client?.close()
        client = nil
    }
}
