import FlameGraphCapture
import FlameGraphCore
import Foundation

/// One service through the gate's steps: start it (or find it running), wait until ready, warm up,
/// drive the load while its rounds are captured, stop it. The service is stopped on every path —
/// success, failure or Ctrl-C (the process group goes, so do forked workers).
struct ServiceRun {
    let service: ServiceConfig
    let rounds: Int
    let directory: String
    let quiet: Bool

    /// What was captured: one profile per round, the load it ran under.
    struct Captured {
        var rounds: [Profile]
        var load: LoadStatistics?
        var samplingRate: Double?
    }

    func run() throws -> Captured {
        if service.isBenchmark {
            // A command run under the profiler from start to end: nothing to start, wait for or load.
            note("profiling `\(service.command!)` (\(rounds) round\(rounds == 1 ? "" : "s"))")
            var config = service
            config.rounds = rounds
            let result = try GateCapture.capture(config, pid: nil, quiet: quiet)
            return Captured(rounds: result.rounds, load: nil, samplingRate: result.metadata.samplingRate)
        }
        var process: ServiceProcess? = nil
        defer { process?.stop() }
        if let command = service.command {
            let env = ProcessEnvironment.current() + service.env.map { "\($0.0)=\($0.1)" }
            let log = "\(directory)/\(service.name).log"
            process = try ServiceProcess(
                command: command, cwd: service.cwd, environment: Self.overriding(env), logPath: log)
            note("started `\(command)` (pid \(process!.pid), log \(log))")
        }
        if let ready = service.ready ?? (service.command != nil ? service.url : nil) {
            try waitUntilReady(ready, process)
        }
        try checkInterrupted()
        let (generator, external) = try startLoad(process)
        var stats: LoadStatistics? = nil
        defer {
            generator?.stop()
            external?.stop(grace: 2)
        }
        if let status = process?.exitStatus() {
            throw ServiceFailure("the service exited before the capture (\(Self.describe(status)))", process)
        }
        note("capturing \(rounds) round\(rounds == 1 ? "" : "s") of \(NumberFormatting.weight(service.duration)) s")
        var config = service
        config.rounds = rounds
        let result = try GateCapture.capture(config, pid: process?.pid, quiet: quiet)
        if let status = process?.exitStatus() {
            throw ServiceFailure("the service exited during the capture (\(Self.describe(status)))", process)
        }
        stats = generator?.stop()
        if let stats, let limit = service.load?.maxErrorRatio, stats.errorRatio > limit {
            throw ServiceFailure(
                "\(NumberFormatting.fixed(stats.errorRatio * 100, decimals: 1))% of \(stats.requests) load requests failed (\(stats.errorReasons.joined(separator: ", "))), over max_error_ratio \(NumberFormatting.fixed(limit * 100, decimals: 1))%: not comparing a profile of error pages",
                process, load: stats)
        }
        return Captured(rounds: result.rounds, load: stats, samplingRate: result.metadata.samplingRate)
    }

    private func waitUntilReady(_ url: String, _ process: ServiceProcess?) throws {
        let outcome = try ReadinessProbe.wait(
            for: url, timeout: service.readyTimeout, exited: { process?.exitStatus() },
            interrupted: { GateSignals.shared.interrupted })
        switch outcome {
        case .ready(let seconds): note("ready after \(NumberFormatting.fixed(seconds, decimals: 1)) s")
        case .interrupted: throw GateSignals.interruption
        case .exited(let status):
            throw ServiceFailure("the service exited before it was ready (\(Self.describe(status)))", process)
        case .timedOut(let last):
            throw ServiceFailure(
                "\(url) did not answer 2xx within \(NumberFormatting.fixed(service.readyTimeout, decimals: 0)) s (last: \(last))",
                process)
        }
    }

    /// Warms up, then starts the load that runs through the capture: the built-in generator, or the
    /// config's load command (in its own process group, stopped with the service).
    private func startLoad(_ process: ServiceProcess?) throws -> (LoadGenerator?, ServiceProcess?) {
        guard let load = service.load else { return (nil, nil) }
        if let command = load.command {
            let external = try ServiceProcess(
                command: command, cwd: service.cwd,
                environment: ProcessEnvironment.removing(
                    CaptureSettings.secretVariables, from: ProcessEnvironment.current()),
                logPath: "\(directory)/\(service.name).load.log")
            if load.warmup > 0 { usleep(UInt32(load.warmup * 1e6)) }
            return (nil, external)
        }
        let target = try LoopbackURL(service.url!)
        var plan = LoadPlan(
            host: target.host, port: target.port, requests: load.requests, concurrency: load.concurrency,
            rate: load.rate, duration: load.warmup, maxRequests: load.maxRequests, requestTimeout: load.timeout)
        if load.warmup > 0 {
            note("warming up for \(NumberFormatting.fixed(load.warmup, decimals: 1)) s")
            let warm = try LoadGenerator(plan)
            warm.start()
            let stats = warm.wait()
            if stats.succeeded == 0 && stats.errors > 0 {
                throw ServiceFailure(
                    "every warm-up request failed (\(stats.errorReasons.joined(separator: ", ")))", process, load: stats
                )
            }
        }
        // Long enough for every round and its profiler's start-up; stopped when the rounds are done.
        plan.duration = Double(rounds) * (service.duration + 30) + 60
        let generator = try LoadGenerator(plan)
        generator.start()
        return (generator, nil)
    }

    private func checkInterrupted() throws {
        if GateSignals.shared.interrupted { throw GateSignals.interruption }
    }

    private func note(_ text: String) {
        if !quiet { Console.writeErr("flame-graph: \(service.name): \(text)\n") }
    }

    /// Later entries win (the service's `env:` over ours).
    static func overriding(_ env: [String]) -> [String] {
        var seen: Set<Substring> = []
        var out: [String] = []
        for entry in env.reversed() {
            let name = entry.split(separator: "=", maxSplits: 1).first ?? ""
            if seen.insert(name).inserted { out.append(entry) }
        }
        return out.reversed()
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exit status \((status >> 8) & 0xff)" : "signal \(signal)"
    }
}

/// A service that could not be measured (exit 69), with the tail of its log for the reports.
struct ServiceFailure: Error {
    var message: String
    var log: String?
    var load: LoadStatistics?

    init(_ message: String, _ process: ServiceProcess?, load: LoadStatistics? = nil) {
        self.message = message
        self.log = process.map { $0.logTail() }
        self.load = load
    }
}
