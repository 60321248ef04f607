import ArgumentParser
import FlameGraphCore

/// How `perf script` text is collapsed (`stackcollapse-perf.pl` / `inferno-collapse-perf` semantics).
struct PerfOptionGroup: ParsableArguments {
    @Flag(name: [.customLong("include-pid")], help: "perf: append -PID to the process name.")
    var includePID = false

    @Flag(name: [.customLong("include-tid")], help: "perf: append -PID/TID to the process name.")
    var includeTID = false

    @Flag(help: "perf: mark kernel frames with _[k].")
    var kernel = false

    @Flag(help: "perf: mark JIT frames with _[j].")
    var jit = false

    @Flag(help: "perf: --kernel and --jit.")
    var all = false

    @Flag(help: "perf: show raw addresses of unresolved frames ([dso <addr>]).")
    var addrs = false

    @Option(
        name: [.customLong("event-filter")],
        help: "perf: keep only samples of this event (default: the first one seen).")
    var eventFilter: String?

    @Option(name: [.customLong("skip-after")], help: "perf: drop the callers of this function (repeatable).")
    var skipAfter: [String] = []

    @Flag(name: [.customLong("no-demangle")], help: "perf: keep Swift symbols mangled.")
    var noDemangle = false

    func options(pid: Bool = false, tid: Bool = false) -> PerfCollapseOptions {
        var o = PerfCollapseOptions(
            includePID: includePID || pid, includeTID: includeTID || tid, annotateKernel: kernel, annotateJIT: jit,
            includeAddrs: addrs, eventFilter: eventFilter, skipAfter: skipAfter, demangle: !noDemangle)
        if all { o.annotateAll = true }
        return o
    }
}
