import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs two pieces of work at the same time — one on the calling thread, one on a Dispatch worker —
/// and returns when both are done. The line readers use it to parse the two halves of a batch on the
/// machine's two cores; each half writes only its own state, so nothing is shared while they run.
enum TwoLanes {
    static func run(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let work = UncheckedPair(first: first, second: second)
                DispatchQueue.concurrentPerform(iterations: 2) { lane in
                    if lane == 0 { work.first() } else { work.second() }
                }
            }
        }
    }

    /// Runs `body` on each of `items` (value types with their own state) on both cores, several pieces
    /// a core so that one slow piece does not leave the other core idle; `items` come back in order.
    static func each<T>(_ items: inout [T], _ body: (inout T) -> Void) {
        items.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }  // no items
            withoutActuallyEscaping(body) { body in
                let work = UncheckedItems(base: base, body: body)
                DispatchQueue.concurrentPerform(iterations: buffer.count) { i in work.body(&work.base[i]) }
            }
        }
    }

    /// Items and the work on them, handed to Dispatch: each iteration touches only its own item.
    private struct UncheckedItems<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
        let body: (inout T) -> Void
    }

    /// The two closures, handed to Dispatch: they touch disjoint state, which the compiler cannot see.
    private struct UncheckedPair: @unchecked Sendable {
        let first: () -> Void
        let second: () -> Void
    }

    /// Where to cut `bytes` in two for the lanes: just after the first `separator` (a line end, or the
    /// blank line between perf samples) at or after the middle; nil when there is none.
    static func middleCut(_ bytes: UnsafeRawBufferPointer, separator: [UInt8]) -> Int? {
        let half = bytes.count / 2
        return firstCut(UnsafeRawBufferPointer(rebasing: bytes[half...]), separator: separator).map { half + $0 }
    }

    /// The end of the first `separator` in `bytes`; nil if none.
    static func firstCut(_ bytes: UnsafeRawBufferPointer, separator: [UInt8]) -> Int? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        let n = bytes.count
        var i = 0
        let m = separator.count
        while i + m <= n {
            guard let hit = memchr(base + i, Int32(separator[0]), n - i) else { return nil }
            let at = UnsafeRawPointer(hit) - base
            if at + m > n { return nil }
            if m == 1 || memcmp(base + at, separator, m) == 0 { return at + m }
            i = at + 1
        }
        return nil
    }

    /// The end of the last `separator` in `bytes` (so `bytes[..<end]` holds whole records); nil if none.
    static func lastCut(_ bytes: UnsafeRawBufferPointer, separator: [UInt8]) -> Int? {
        let m = separator.count
        var i = bytes.count - m
        while i >= 0 {
            if bytes[i] == separator[0] {
                var k = 1
                while k < m && bytes[i + k] == separator[k] { k += 1 }
                if k == m { return i + m }
            }
            i -= 1
        }
        return nil
    }
}
