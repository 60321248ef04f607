/// Readers for the memory producers' outputs (`memory`): heaptrack_print's folded stacks, memray's CSV
/// and Node's sampling `.heapprofile`. Bytes in, a profile out (unit `.bytes`, or `.count` for numbers
/// of allocations).
public enum MemoryProfiles {
    /// What a memory profile measures (`memory --kind`).
    public enum Kind: String, Sendable, CaseIterable {
        /// Everything allocated over the run (heaptrack: the number of allocations).
        case allocated
        /// Live at the end, or when sampled (Node's heap profile, pprof inuse_space).
        case inUse = "in-use"
        /// Allocated and never freed.
        case leaked
        /// Freed right after being allocated (heaptrack, memray).
        case temporary
        /// Live at the moment of the highest total (heaptrack, memray's default).
        case peak

        /// heaptrack_print's `--flamegraph-cost-type` for this kind.
        public var heaptrackCostType: String {
            switch self {
            case .allocated: return "allocations"
            case .inUse, .leaked: return "leaked"
            case .temporary: return "temporary"
            case .peak: return "peak"
            }
        }

        /// heaptrack's allocation and temporary costs count calls, the others bytes.
        public var heaptrackUnit: WeightUnit { self == .allocated || self == .temporary ? .count : .bytes }
    }

    /// heaptrack_print `-F` output: `main (leak.c);leak_here (leak.c); 6400000`. The `;` before the
    /// count is dropped, `<0x…>` suffixes are cut from names, and zero-cost stacks are skipped.
    public static func heaptrackFolded(_ bytes: [UInt8], unit: WeightUnit) -> Profile {
        var profile = Profile()
        profile.unit = unit
        for line in lines(bytes) {
            guard let space = line.lastIndex(of: " "), let weight = Double(line[line.index(after: space)...]),
                weight > 0
            else { continue }
            var stack = line[..<space]
            while stack.last == ";" || stack.last == " " { stack = stack.dropLast() }
            let frames = stack.split(separator: ";").map { cleanName(String($0)) }.filter { !$0.isEmpty }
            if !frames.isEmpty { profile.add(frames: frames, weight: weight) }
        }
        return profile
    }

    /// Cuts `<0x7f…>` address suffixes (`foo<0x1234>` → `foo`) and surrounding blanks.
    static func cleanName(_ name: String) -> String {
        var s = Substring(name)
        while let open = s.lastIndex(of: "<"), s.hasSuffix(">"),
            s[s.index(after: open)...].dropLast().allSatisfy({ $0.isHexDigit || $0 == "x" })
        {
            s = s[..<open]
        }
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    /// memray's `transform csv`: `allocator,num_allocations,size,tid,thread_name,stack_trace`, stacks leaf
    /// first as `func;file;line|…`. Frames become `func (file:line)` with the file's last path
    /// component; the frames of memray's own runner and runpy at the root are dropped.
    public static func memrayCSV(_ bytes: [UInt8], sourceName: String) throws -> Profile {
        var profile = Profile()
        profile.unit = .bytes
        var header: [String]? = nil
        for line in lines(bytes) {
            let fields = csvFields(line)
            guard let names = header else {
                header = fields
                continue
            }
            guard let sizeAt = names.firstIndex(of: "size"), let stackAt = names.firstIndex(of: "stack_trace"),
                fields.count > max(sizeAt, stackAt), let size = Double(fields[sizeAt]), size > 0
            else { continue }
            var frames: [String] = []
            for frame in fields[stackAt].split(separator: "|").reversed() {
                let parts = frame.split(separator: ";", omittingEmptySubsequences: false)
                guard parts.count >= 3 else { continue }
                let file = String(parts[parts.count - 2])
                if file == "<frozen runpy>" || file.contains("/memray/") { continue }
                let function = parts[0..<(parts.count - 2)].joined(separator: ":")
                let base = file.split(separator: "/").last.map(String.init) ?? file
                frames.append("\(function) (\(base):\(parts[parts.count - 1]))")
            }
            if !frames.isEmpty { profile.add(frames: frames, weight: size) }
        }
        guard header != nil else { throw FlameGraphError(.badInput, "\(sourceName): empty memray CSV") }
        return profile
    }

    /// Lines split on the byte 0x0A, `\r` dropped (Swift's String would keep "\r\n" as one character).
    static func lines(_ bytes: [UInt8]) -> [Substring] {
        bytes.split(separator: 0x0A).map { line in
            Substring(String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self))
        }
    }

    /// One CSV line's fields (RFC 4180 quoting, as Python's csv module writes).
    static func csvFields(_ line: Substring) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var chars = line.makeIterator()
        var previousQuote = false
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                    previousQuote = true
                } else {
                    field.append(c)
                }
                continue
            }
            if c == "\"" {
                if previousQuote { field.append("\"") }
                quoted = true
            } else if c == "," {
                out.append(field)
                field = ""
            } else if c != "\r" {
                field.append(c)
            }
            previousQuote = false
        }
        out.append(field)
        return out
    }
}
