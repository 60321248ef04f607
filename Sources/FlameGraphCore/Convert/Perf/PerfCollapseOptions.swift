/// How `perf script` text is turned into stacks (see `PerfScriptCollapser`).
///
/// The defaults give inferno's `collapse-perf` output with no flags, except that Swift symbols are
/// demangled (`demangle`), which neither peer does.
public struct PerfCollapseOptions: Sendable, Equatable {
    /// Root frame `comm-PID` instead of `comm` (`comm-?` when the header shows only a TID).
    public var includePID: Bool
    /// Root frame `comm-PID/TID` (takes precedence over `includePID`).
    public var includeTID: Bool
    /// Appends `_[k]` to kernel frames: dso `[...]` (not `[unknown]`), `*vmlinux`, `vmlinux-<version>`, `*.ko`.
    public var annotateKernel: Bool
    /// Appends `_[j]` to JIT frames: dso `/tmp/perf-PID.map` or a jitdump `jitted-PID-N.so`.
    public var annotateJIT: Bool
    /// Unresolved frames read `[dso <addr>]` instead of `[dso]`.
    public var includeAddrs: Bool
    /// Keep only samples of this event (`cycles`, `cpu-clock`…). Modifiers are ignored on both sides
    /// (`cycles:u` counts as `cycles`). `nil`: the first event type in the input.
    public var eventFilter: String?
    /// Frame names (after tidying, before `_[k]`-style annotations) at which a stack is cut: the
    /// first such frame seen from the leaf becomes the stack's root, its callers and the process
    /// name are dropped.
    public var skipAfter: [String]
    /// Demangles Swift symbols (`$s…`, `$S…`) into readable names. Neither peer does this.
    public var demangle: Bool

    public init(
        includePID: Bool = false,
        includeTID: Bool = false,
        annotateKernel: Bool = false,
        annotateJIT: Bool = false,
        includeAddrs: Bool = false,
        eventFilter: String? = nil,
        skipAfter: [String] = [],
        demangle: Bool = true
    ) {
        self.includePID = includePID
        self.includeTID = includeTID
        self.annotateKernel = annotateKernel
        self.annotateJIT = annotateJIT
        self.includeAddrs = includeAddrs
        self.eventFilter = eventFilter
        self.skipAfter = skipAfter
        self.demangle = demangle
    }

    /// `--all`: both kernel and JIT annotations.
    public var annotateAll: Bool {
        get { annotateKernel && annotateJIT }
        set {
            annotateKernel = newValue
            annotateJIT = newValue
        }
    }
}
