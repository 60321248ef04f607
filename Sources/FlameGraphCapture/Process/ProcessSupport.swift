import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the first and the last `limit / 2` bytes of a stream.
public struct BoundedBuffer: Sendable {
    public let limit: Int
    private(set) var head: [UInt8] = []
    private(set) var tail: [UInt8] = []
    private(set) var dropped = 0

    public init(limit: Int) { self.limit = max(limit, 2) }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let half = limit / 2
        var rest = bytes[...]
        if head.count < half {
            let n = min(half - head.count, rest.count)
            head.append(contentsOf: rest.prefix(n))
            rest = rest.dropFirst(n)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest)
        if tail.count > limit {
            let excess = tail.count - half
            tail.removeFirst(excess)
            dropped += excess
        }
    }

    public mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// The kept bytes as text, with a line saying how much was left out between head and tail.
    public var text: String {
        let half = limit / 2
        let shown = tail.count > half ? Array(tail.suffix(half)) : tail
        let left = dropped + (tail.count - shown.count)
        let middle = left > 0 ? "\n… (\(left) bytes left out) …\n" : ""
        return String(decoding: head, as: UTF8.self) + middle + String(decoding: shown, as: UTF8.self)
    }
}

/// The monotonic clock, in seconds.
public enum Monotonic {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// The environment handed to children.
public enum ProcessEnvironment {
    /// Our environment as `KEY=value` entries.
    public static func current() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            out.append(String(cString: entry))
            p += 1
        }
        return out
    }

    /// `entries` without the named variables (secrets a profiler has no business seeing).
    public static func removing(_ names: [String], from entries: [String]) -> [String] {
        entries.filter { entry in
            guard let eq = entry.firstIndex(of: "=") else { return true }
            return !names.contains(String(entry[..<eq]))
        }
    }

    /// The value of `name` in our environment.
    public static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
