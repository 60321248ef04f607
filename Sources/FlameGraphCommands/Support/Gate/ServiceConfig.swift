import FlameGraphCapture
import FlameGraphCore

/// `flame-graph.yml` for `flame-graph gate`: the services to profile under load, and the gate's
/// settings. Documented key by key in `docs/CONFIG.md`; parsed by `ServiceConfigParser`.
struct GateFileConfig {
    var version = 1
    var services: [ServiceConfig] = []
    /// Where the file came from, for messages.
    var source: String
}

/// The profilers a service can be captured with (the subcommand of the same name does it by hand).
enum ProfilerKind: String, CaseIterable, Sendable {
    case pdie, python, api, hce, bun, perf, dotnet
}

struct ServiceConfig {
    var name: String
    var profiler: ProfilerKind
    /// Started by the gate when given; otherwise the service is already running at `url`.
    var command: String?
    var cwd: String?
    var env: [(String, String)] = []
    /// Polled until it answers 2xx.
    var ready: String?
    var readyTimeout: Double = 30
    /// What the profiler and the load talk to.
    var url: String?
    var load: LoadConfig?
    /// Seconds per capture round.
    var duration: Double = 10
    var rounds: Int = 1
    /// The gate settings for this service (top-level `gate:` merged with the service's own).
    var gate: GateSettings
    /// `gate.focus`: a regex; only stacks through a matching frame are compared.
    var focus: String?
    /// The line of the service's entry, for messages.
    var line: Int

    /// `profiler: perf`, `dotnet` or `bun` with a command and no url: a benchmark recorded from start to
    /// end (perf record, EventPipe, --cpu-prof; its rounds are time slices of that one run), not a service.
    var isBenchmark: Bool { [.perf, .dotnet, .bun].contains(profiler) && url == nil && command != nil }
}

struct LoadConfig {
    var requests: [LoadRequest] = []
    var concurrency = 4
    var warmup: Double = 1
    /// Requests per second over all connections; nil: closed loop.
    var rate: Double?
    /// An external load tool, run with `sh -c` during the capture instead of the built-in generator.
    var command: String?
    var maxRequests = 10_000_000
    /// Above this share of failed requests the run fails: a profile of error pages is not a profile.
    var maxErrorRatio = 0.01
    var timeout: Double = 10
}

/// Durations as the config writes them: `10s`, `500ms`, `2m`, or a plain number of seconds.
enum ConfigDuration {
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            if let v = Double(number), v >= 0, v.isFinite, suffix != "m" || !t.hasSuffix("ms") { return v * scale }
        }
        if let v = Double(t), v >= 0, v.isFinite { return v }
        return nil
    }
}
