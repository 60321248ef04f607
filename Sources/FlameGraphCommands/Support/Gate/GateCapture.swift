import FlameGraphCapture
import FlameGraphCore
import Foundation

/// A service's rounds, captured through the capture seam: one `ProfileSource` per profiler kind, run
/// by a `CaptureRunner` (rounds, deadlines, temporary files). Ctrl-C is the gate's (`GateSignals`):
/// it stops the services, which ends the capture, so the runner does not install its own handlers.
enum GateCapture {
    static func capture(_ service: ServiceConfig, pid: Int32?, quiet: Bool) throws -> CaptureResult {
        let settings = CaptureSettings(
            duration: service.duration * Double(service.rounds), rounds: service.rounds,
            environment: ServiceRun.overriding(ProcessEnvironment.current() + service.env.map { "\($0.0)=\($0.1)" }),
            quiet: quiet,
            handleSignals: false)
        let runner = CaptureRunner(settings, reporter: ConsoleCaptureReporter(quiet: quiet))
        do {
            return try runner.run(try source(service, pid: pid))
        } catch is CaptureInterrupted {
            throw GateSignals.interruption
        } catch let e as FlameGraphError {
            if GateSignals.shared.interrupted { throw GateSignals.interruption }
            throw FlameGraphError(e.kind, "\(service.profiler.rawValue) capture: \(e.message)")
        }
    }

    /// The profiler of a service. Python samplers use --gil: only threads running Python code count,
    /// not request threads waiting for the lock, so the profile does not shift with how many requests
    /// happen to be queued (one cause of the demo's old flakiness).
    static func source(_ s: ServiceConfig, pid: Int32?) throws -> any ProfileSource {
        let url = s.url ?? ""
        switch s.profiler {
        case .pdie, .python:
            var target = pid
            var children = false
            if target == nil {
                guard s.profiler == .pdie else { throw needsProcess(s) }
                let endpoint = try ServiceLocator.endpoint(url)
                (target, children) = try ServiceLocator.pythonProcess(for: endpoint, url: url)
            }
            return PySpySource(
                pid: target!, options: .init(gil: true, subprocesses: children),
                label: "\(s.name): py-spy on pid \(target!)")
        case .api:
            return EndpointSource(
                url: try ServiceEndpoint.url(url, path: "/admin/profile"), durationParameter: "seconds",
                headers: ServiceEndpoint.secret(nil, environment: "RESQ_API_KEY").map { ["X-API-Key": $0] } ?? [:],
                credential: .init(name: "the API key", hint: "set RESQ_API_KEY"), formats: [.pprof, .folded],
                preferredSampleType: "samples", label: "\(s.name): profiling")
        case .hce:
            return try cpuProfileEndpoint(s, palette: .js)
        case .perf:
            if s.isBenchmark { return PerfSource(target: .command(benchmarkCommand(s)), callGraph: .dwarf) }
            guard let pid else { throw needsProcess(s) }
            return PerfSource(target: .pid(pid), callGraph: .dwarf)
        case .dotnet:
            // EventPipe through the environment for a benchmark, the diagnostics socket for a service.
            if s.isBenchmark { return DotnetSource(.command(benchmarkCommand(s))) }
            guard let pid else { throw needsProcess(s) }
            return DotnetSource(.pid(pid))
        case .bun:
            // Bun's --cpu-prof for a benchmark; a running Bun service serves its .cpuprofile (like hce).
            if s.isBenchmark { return BunSource(.command(benchmarkCommand(s))) }
            return try cpuProfileEndpoint(s, palette: .js)
        }
    }

    /// A service's `.cpuprofile` admin endpoint (`/admin/cpu-profile`, bearer token in RESQ_TOKEN).
    static func cpuProfileEndpoint(_ s: ServiceConfig, palette: Palette) throws -> EndpointSource {
        EndpointSource(
            url: try ServiceEndpoint.url(s.url ?? "", path: "/admin/cpu-profile"), durationParameter: "duration",
            headers: ServiceEndpoint.secret(nil, environment: "RESQ_TOKEN").map { ["Authorization": "Bearer \($0)"] }
                ?? [:], credential: .init(name: "the token", hint: "set RESQ_TOKEN"), formats: [.cpuprofile],
            palette: palette, label: "\(s.name): profiling")
    }

    /// A benchmark's command, run in its `cwd`.
    static func benchmarkCommand(_ s: ServiceConfig) -> String {
        let cd = s.cwd.map { "cd '\($0.replacingOccurrences(of: "'", with: "'\\''"))' && " } ?? ""
        return cd + s.command!
    }

    static func needsProcess(_ s: ServiceConfig) -> FlameGraphError {
        FlameGraphError(
            .usage,
            "service \(s.name): the \(s.profiler.rawValue) profiler needs a process: give the service a command to start"
        )
    }
}
