/// Options for reading a speedscope JSON file.
public struct SpeedscopeOptions: Sendable {
    /// Put each profile's name (for py-spy and dotnet-trace: the thread's) as the root frame of its
    /// stacks, so that threads stay apart.
    public var prefixProfileName = false
    /// Keep the stacks in file order in `Profile.sequence` (flame charts).
    public var keepSequence = false

    public init(prefixProfileName: Bool = false, keepSequence: Bool = false) {
        self.prefixProfileName = prefixProfileName
        self.keepSequence = keepSequence
    }
}

/// Reads speedscope's JSON file format (`py-spy record --format speedscope`, `dotnet-trace convert
/// --format Speedscope`, speedscope's own exports). Only bytes in, a profile out.
///
/// The file holds `shared.frames[]` (`{name, file?, line?, col?}`) and `profiles[]`, each either
/// `sampled` (`samples[]`: stacks as frame indices, root first; `weights[]`: one per stack) or `evented`
/// (`events[]` of `{type: "O"|"C", at, frame}`: frames opened and closed at times; the time between
/// two events is weighed to the stack open in between, so a frame's self time lands on its own
/// stack). All profiles are merged into one.
///
/// Frames are named `name (file:line)` (`file` is the last path component; `name (file)` without a
/// line), or just `name` when there is no file; names are made folded-safe: `;` becomes `:`, line
/// breaks become spaces.
///
/// Units: `nanoseconds` and `microseconds` are kept; `milliseconds` and `seconds` are converted to
/// microseconds; `bytes` stays bytes; `none` (or no unit) counts `.samples`. When profiles disagree,
/// the first profile's unit wins, with a warning; time units are converted to it, others are added
/// as they are.
public enum SpeedscopeDecoder {
    public static func decode(_ bytes: [UInt8], sourceName: String, options: SpeedscopeOptions) throws
        -> (Profile, Diagnostics)
    {
        func fail(_ what: String) -> FlameGraphError {
            FlameGraphError(.badInput, "\(sourceName): speedscope: \(what)")
        }
        let document: JSONImport.Value
        do {
            document = try JSONImport.parse(bytes)
        } catch {
            throw fail("malformed JSON: \(error.description)")
        }
        guard let top = document.object else {
            throw fail("the top level is \(document.kindName), not an object (not a speedscope file?)")
        }
        guard let sharedValue = top["shared"] else { throw fail("no \"shared\" object (not a speedscope file?)") }
        guard let shared = sharedValue.object else {
            throw fail("\"shared\" is \(sharedValue.kindName), not an object")
        }
        guard let framesValue = shared["frames"], let frameList = framesValue.array else {
            throw fail("\"shared.frames\" is missing or not an array")
        }
        guard let profilesValue = top["profiles"], let profileList = profilesValue.array else {
            throw fail("\"profiles\" is missing or not an array")
        }
        var frameNames: [String] = []
        frameNames.reserveCapacity(frameList.count)
        for (k, f) in frameList.enumerated() {
            frameNames.append(try frameName(f, index: k, fail: fail))
        }

        var state = State(frameNames: frameNames, sourceName: sourceName, fail: fail)
        if options.keepSequence { state.profile.sequence = [] }
        for (p, item) in profileList.enumerated() {
            guard let entry = item.object else { throw fail("profiles[\(p)] is \(item.kindName), not an object") }
            let label = "profiles[\(p)]"
            let type = entry["type"]?.string
            guard type == "sampled" || type == "evented" else {
                state.diagnostics.warn(
                    "\(sourceName): speedscope: \(label) has unknown type \(type.map { "\"\($0)\"" } ?? "(none)"); skipped"
                )
                continue
            }
            let unitName: String
            if let u = entry["unit"] {
                guard let s = u.string else { throw fail("\(label).unit is \(u.kindName), not a string") }
                unitName = s
            } else {
                unitName = "none"
            }
            guard let unit = Unit(unitName) else { throw fail("\(label) has an unknown unit \"\(unitName)\"") }
            let factor = state.factor(for: unit)
            var root: Int32 = 0
            if options.prefixProfileName {
                var name = entry["name"]?.string.map(JSONImport.foldedSafe) ?? ""
                if name.isEmpty { name = "profile \(p)" }
                root = state.profile.child(of: 0, named: state.profile.names.intern(name))
            }
            if type == "sampled" {
                try state.sampled(entry, label: label, root: root, factor: factor)
            } else {
                try state.evented(entry, label: label, root: root, factor: factor)
            }
        }
        guard state.stacks > 0 else { throw fail("the file holds no samples") }
        // Time-weighted samples: the mean weight per stack is the interval the gate counts samples by.
        if state.profile.unit == .microseconds || state.profile.unit == .nanoseconds {
            state.profile.samplingInterval = state.profile.totalWeight / Double(state.stacks)
        }
        return (state.profile, state.diagnostics)
    }

    /// `name (file:line)`, `name (file)` or `name`.
    static func frameName(_ value: JSONImport.Value, index: Int, fail: (String) -> FlameGraphError) throws -> String {
        guard let f = value.object else { throw fail("shared.frames[\(index)] is \(value.kindName), not an object") }
        guard let nameValue = f["name"] else { throw fail("shared.frames[\(index)] has no name") }
        let name: String
        switch nameValue {
        case .string(let s): name = s
        case .number(let d): name = JSONImport.describe(d)
        default: throw fail("shared.frames[\(index)].name is \(nameValue.kindName), not a string")
        }
        var file = ""
        if let v = f["file"] {
            switch v {
            case .string(let s): file = s
            case .null: break
            default: throw fail("shared.frames[\(index)].file is \(v.kindName), not a string")
            }
        }
        var line: Int? = nil
        if let v = f["line"] {
            switch v {
            case .number(let d):
                guard JSONImport.isExactInteger(d), d >= 0, d <= 2_147_483_647 else {
                    throw fail("shared.frames[\(index)].line is not a line number (\(JSONImport.describe(d)))")
                }
                line = Int(d)
            case .null: break
            default: throw fail("shared.frames[\(index)].line is \(v.kindName), not a number")
            }
        }
        guard !file.isEmpty else { return JSONImport.foldedSafe(name) }
        let base = JSONImport.baseName(file)
        if let line { return JSONImport.foldedSafe("\(name) (\(base):\(line))") }
        return JSONImport.foldedSafe("\(name) (\(base))")
    }

    /// A speedscope `unit`, as the profile's unit and the factor into it.
    struct Unit: Equatable {
        var text: String
        var weightUnit: WeightUnit
        /// Nanoseconds in one of this unit, for time units.
        var nanoseconds: Double?

        init?(_ text: String) {
            self.text = text
            switch text {
            case "nanoseconds": (weightUnit, nanoseconds) = (.nanoseconds, 1)
            case "microseconds": (weightUnit, nanoseconds) = (.microseconds, 1e3)
            case "milliseconds": (weightUnit, nanoseconds) = (.microseconds, 1e6)
            case "seconds": (weightUnit, nanoseconds) = (.microseconds, 1e9)
            case "bytes": (weightUnit, nanoseconds) = (.bytes, nil)
            case "none": (weightUnit, nanoseconds) = (.samples, nil)
            default: return nil
            }
        }
    }

    /// The profile being built and what is needed across the file's profiles.
    struct State {
        var profile = Profile()
        var diagnostics = Diagnostics()
        let frameNames: [String]
        /// Name id of each shared frame, interned on first use (-1: not yet).
        var nameIDs: [Int32]
        let sourceName: String
        let fail: (String) -> FlameGraphError
        var firstUnit: Unit? = nil
        /// Stacks (samples or evented intervals) added.
        var stacks = 0

        init(frameNames: [String], sourceName: String, fail: @escaping (String) -> FlameGraphError) {
            self.frameNames = frameNames
            nameIDs = [Int32](repeating: -1, count: frameNames.count)
            self.sourceName = sourceName
            self.fail = fail
        }

        /// Sets the profile's unit from the first profile; the factor from `unit` into it.
        mutating func factor(for unit: Unit) -> Double {
            if firstUnit == nil {
                firstUnit = unit
                profile.unit = unit.weightUnit
            }
            let first = firstUnit!
            let convertible = unit.nanoseconds != nil && first.nanoseconds != nil
            if unit != first {
                diagnostics.warn(
                    "\(sourceName): speedscope: profiles use different units (\(first.text), \(unit.text)); "
                        + (convertible
                            ? "all converted to \(first.weightUnit.rawValue)"
                            : "weights are added as they are and labelled \(first.weightUnit.rawValue)"))
            }
            guard convertible, let ns = unit.nanoseconds else { return 1 }
            return ns / (first.weightUnit == .nanoseconds ? 1 : 1e3)
        }

        @inline(__always)
        mutating func nameID(_ frame: Int) -> Int32 {
            let id = nameIDs[frame]
            if id >= 0 { return id }
            let new = profile.names.intern(frameNames[frame])
            nameIDs[frame] = new
            return new
        }

        /// Converts a weight into the profile's unit, rounded to a thousandth so that `0.005 s` reads
        /// `5000` µs rather than `5000.000000000001`.
        @inline(__always)
        func scaled(_ w: Double, _ factor: Double) -> Double {
            factor == 1 ? w : (w * factor * 1000).rounded() / 1000
        }

        func frameIndex(_ d: Double, _ what: @autoclosure () -> String) throws -> Int {
            guard JSONImport.isExactInteger(d), d >= 0, d < Double(frameNames.count) else {
                throw fail(
                    "\(what()) references unknown frame \(JSONImport.describe(d)) (there are \(frameNames.count) frames)"
                )
            }
            return Int(d)
        }

        mutating func sampled(_ entry: JSONImport.Object, label: String, root: Int32, factor: Double) throws {
            guard let samplesValue = entry["samples"], let samples = samplesValue.array else {
                throw fail("\(label).samples is missing or not an array")
            }
            var weights: [Double]? = nil
            if let w = entry["weights"] {
                guard let list = w.numbers else { throw fail("\(label).weights is not an array of numbers") }
                guard list.count == samples.count else {
                    throw fail("\(label) has \(samples.count) samples but \(list.count) weights")
                }
                weights = list
            } else {
                diagnostics.warn("\(sourceName): speedscope: \(label) has no weights; each sample counts 1")
            }
            var empty = 0
            for (k, sample) in samples.enumerated() {
                guard let stack = sample.numbers else {
                    throw fail("\(label).samples[\(k)] is not an array of frame indices")
                }
                let w = weights?[k] ?? 1
                guard w >= 0 else { throw fail("\(label).weights[\(k)] is negative (\(JSONImport.describe(w)))") }
                var node = root
                for d in stack {
                    node = profile.child(of: node, named: nameID(try frameIndex(d, "\(label).samples[\(k)]")))
                }
                if node == 0 {
                    empty += 1
                    continue
                }
                profile.addWeight(at: node, scaled(w, factor))
                stacks += 1
            }
            if empty > 0 {
                diagnostics.warn("\(sourceName): speedscope: \(label) has \(empty) empty samples; left out")
            }
        }

        mutating func evented(_ entry: JSONImport.Object, label: String, root: Int32, factor: Double) throws {
            guard let eventsValue = entry["events"], let events = eventsValue.array else {
                throw fail("\(label).events is missing or not an array")
            }
            var frames: [Int] = []  // open frames, outermost first
            // How often each frame is open: a close of a frame that is not open is found in O(1), and
            // popping down to one that is costs what its pushes cost, so no input makes this quadratic.
            var openCount = [Int32](repeating: 0, count: frameNames.count)
            var nodes: [Int32] = [root]  // profile node of each open prefix; nodes[0] is the base
            var previous: Double? = nil
            var strayCloses = 0
            var skippedCloses = 0
            for (k, item) in events.enumerated() {
                guard let e = item.object else {
                    throw fail("\(label).events[\(k)] is \(item.kindName), not an object")
                }
                guard let at = e["at"]?.number else { throw fail("\(label).events[\(k)] has no time (\"at\")") }
                guard let frameValue = e["frame"]?.number else { throw fail("\(label).events[\(k)] has no frame") }
                let frame = try frameIndex(frameValue, "\(label).events[\(k)]")
                if let previous {
                    guard at >= previous else {
                        throw fail(
                            "\(label).events[\(k)] goes back in time (at \(JSONImport.describe(at)) after \(JSONImport.describe(previous)))"
                        )
                    }
                    if !frames.isEmpty && at > previous {
                        profile.addWeight(at: nodes[nodes.count - 1], scaled(at - previous, factor))
                        stacks += 1
                    }
                }
                previous = at
                switch e["type"]?.string {
                case "O":
                    frames.append(frame)
                    openCount[frame] += 1
                    nodes.append(profile.child(of: nodes[nodes.count - 1], named: nameID(frame)))
                case "C":
                    if openCount[frame] > 0 {
                        // Frames opened inside this one and never closed are closed with it.
                        while let top = frames.popLast() {
                            nodes.removeLast()
                            openCount[top] -= 1
                            if top == frame { break }
                            skippedCloses += 1
                        }
                    } else {
                        strayCloses += 1
                    }
                default:
                    throw fail(
                        "\(label).events[\(k)] has type \(e["type"].map { "\($0.string ?? $0.kindName)" } ?? "(none)"), not \"O\" or \"C\""
                    )
                }
            }
            if !frames.isEmpty {
                if let previous, let end = entry["endValue"]?.number, end > previous {
                    profile.addWeight(at: nodes[nodes.count - 1], scaled(end - previous, factor))
                    stacks += 1
                }
                diagnostics.warn(
                    "\(sourceName): speedscope: \(label) leaves \(frames.count) frames open at its end; closed at endValue"
                )
            }
            if skippedCloses > 0 {
                diagnostics.warn(
                    "\(sourceName): speedscope: \(label) closes frames out of order; \(skippedCloses) frames inside them were closed with them"
                )
            }
            if strayCloses > 0 {
                diagnostics.warn(
                    "\(sourceName): speedscope: \(label) has \(strayCloses) close events for frames that were not open; ignored"
                )
            }
        }
    }
}
