import ArgumentParser
import FlameGraphCapture
import FlameGraphCore

// Closed sets of option values, parsed by ArgumentParser (which lists them in --help and rejects
// anything else with a usage error) instead of strings checked by hand and force-unwrapped.

/// `--call-graph fp|dwarf` (`perf`, `offcpu`).
extension PerfInvocation.CallGraph: ExpressibleByArgument {}

/// `--format folded|perf|cpuprofile|pprof|speedscope|svg`.
extension ProfileFormat: ExpressibleByArgument {}

/// `--weight samples|time` (`.cpuprofile` inputs).
enum CPUProfileWeight: String, CaseIterable, ExpressibleByArgument {
    /// One per sample (what the gate's statistics need).
    case samples
    /// Microseconds from the profile's timeDeltas.
    case time
}
