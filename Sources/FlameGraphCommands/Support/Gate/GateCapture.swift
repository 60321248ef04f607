import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

/// One capture round of a service with its profiler: the profile and its sampling rate.
///
/// Each profiler kind is captured the way its own subcommand does it (parsed and run in-process, so
/// Ctrl-C, deadlines and error messages are theirs), writing folded stacks to a file that is read back.
enum GateCapture {
    /// Captures one round into `folded` and returns the profile read back.
    static func round(_ service: ServiceConfig, pid: Int32?, seconds: Int, folded: String, svg: String) throws
        -> Profile
    {
        var args = try arguments(service, pid: pid)
        args += ["--duration", String(seconds), "--quiet", "--output", svg, "--folded-output", folded]
        var command = try FlameGraphRoot.parseAsRoot(args)
        do {
            try command.run()
        } catch let e as FlameGraphError {
            throw FlameGraphError(e.kind, "\(service.profiler.rawValue) capture of \(service.name): \(e.message)")
        } catch let exit as CommandExit {
            if exit.status == ExitStatus.interrupted { throw GateSignals.interruption }
            throw FlameGraphError(
                exit.status == ExitStatus.interrupted ? .unavailable : .internal,
                "\(service.profiler.rawValue) capture of \(service.name) ended with status \(exit.status)")
        } catch {
            throw FlameGraphError(.internal, "\(service.profiler.rawValue) capture of \(service.name): \(error)")
        }
        return try ProfileLoader.load([folded], format: "folded", quiet: true)
    }

    /// The subcommand line for a service's profiler.
    static func arguments(_ s: ServiceConfig, pid: Int32?) throws -> [String] {
        func needPid() throws -> String {
            guard let pid else {
                throw FlameGraphError(
                    .usage,
                    "service \(s.name): the \(s.profiler.rawValue) profiler needs a process: give the service a command to start"
                )
            }
            return String(pid)
        }
        let url = s.url ?? ""
        switch s.profiler {
        // --gil: only threads running Python code count, not request threads waiting for the lock, so
        // the profile does not change with how many requests happen to be queued.
        case .pdie: return ["pdie", "--url", url, "--gil"]
        case .python: return ["python", "--pid", try needPid(), "--gil"]
        case .api: return ["api", "--url", url]
        case .hce: return ["hce", "--url", url]
        case .perf: return ["perf", "--pid", try needPid(), "--call-graph", "dwarf"]
        case .bun, .dotnet: return [s.profiler.rawValue, "--pid", try needPid()]
        }
    }

    /// Samples per second the profiler uses (for the baseline's metadata), when fixed.
    static func rate(_ kind: ProfilerKind) -> Double? {
        switch kind {
        case .pdie, .python: return 100
        case .perf: return 99
        default: return nil
        }
    }
}
