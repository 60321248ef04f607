/// What the gate looks at in a profile, applied the same way to every input (folded, SVG, pprof,
/// `.cpuprofile`, …) before shares are taken:
///
/// - samples that are not CPU time are left out (unless `keepIdle`): stacks through `(idle)`,
///   `(program)` (V8), `<idle>` and the kernel idle loop (`swapper`, `do_idle`, `cpu_idle`); the V8
///   `(root)` frame is spliced out (its children stay). `(garbage collector)` is CPU and stays.
/// - with `focus`, only stacks through a matching frame, re-rooted at the outermost match, so shares
///   are relative to the focused code and start-up or harness frames drop out.
public enum GateScope {
    /// Frames whose samples are not CPU time spent in the program.
    public static let idleFrames: Set<String> = ["(idle)", "(program)", "<idle>", "do_idle", "cpu_idle", "swapper"]
    /// Frames that only group others: removed, their children kept.
    public static let groupingFrames: Set<String> = ["(root)"]

    /// Whether anything would change (saves a copy of large profiles that need nothing).
    public static func isIdentity(keepIdle: Bool, focus: GateSettings.FramePattern?) -> Bool {
        keepIdle && focus == nil
    }

    /// A copy of `profile` restricted as described above; the unit and sampling interval are kept.
    public static func apply(_ profile: Profile, keepIdle: Bool, focus: GateSettings.FramePattern?) -> Profile {
        guard !isIdentity(keepIdle: keepIdle, focus: focus), profile.nodeCount > 1 else { return profile }
        // Per name id: 0 keep, 1 drop the stack, 2 splice the frame out; focus matches separately.
        var kind = [UInt8](repeating: 0, count: profile.names.count)
        var focused = [Bool](repeating: false, count: profile.names.count)
        for id in 0..<profile.names.count {
            let name = profile.names.string(Int32(id))
            if !keepIdle {
                if idleFrames.contains(name) { kind[id] = 1 } else if groupingFrames.contains(name) { kind[id] = 2 }
            }
            if let focus, focus.matches(name) { focused[id] = true }
        }
        var out = Profile()
        out.unit = profile.unit
        out.samplingInterval = profile.samplingInterval
        // Per node: where it lands in `out` (-1: dropped), and whether a focus frame is on its path.
        var map = [Int32](repeating: 0, count: profile.nodeCount)
        var inFocus = [Bool](repeating: focus == nil, count: profile.nodeCount)
        for node in 1..<profile.nodeCount {
            let parent = Int(profile.parent[node])
            let id = Int(profile.name[node])
            let mapped = map[parent]
            if mapped < 0 || kind[id] == 1 {
                map[node] = -1
                continue
            }
            if focus != nil && !inFocus[parent] {
                if focused[id] {
                    // Re-root: the outermost matching frame becomes a root frame.
                    inFocus[node] = true
                    map[node] = out.child(of: 0, named: out.names.intern(profile.names.string(Int32(id))))
                } else {
                    map[node] = 0  // not (yet) in focus: its samples are left out below
                }
            } else {
                inFocus[node] = true
                map[node] =
                    kind[id] == 2
                    ? mapped : out.child(of: mapped, named: out.names.intern(profile.names.string(Int32(id))))
            }
            if inFocus[node] && map[node] > 0 { out.selfWeight[Int(map[node])] += profile.selfWeight[node] }
        }
        return out
    }
}
