#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Interned frame names: each distinct name is stored once, as bytes, and named by a dense `Int32` id.
///
/// Names are kept as raw bytes (not `String`) so that parsing never validates or copies UTF-8 on the
/// hot path; `string(_:)` decodes (repairing invalid UTF-8) only when a name is drawn or reported.
public struct FrameNames: Sendable {
    /// All names, back to back.
    @usableFromInline var storage: [UInt8] = []
    /// Name `i` is `storage[starts[i] ..< starts[i + 1]]`.
    @usableFromInline var starts: [Int] = [0]
    private var hashes: [UInt32] = []
    /// Open-addressing table of ids (`-1` = empty); its size is a power of two.
    private var table: [Int32] = Array(repeating: -1, count: 1024)

    public init() {}

    /// The number of distinct names.
    public var count: Int { starts.count - 1 }

    /// Returns the id of `name`, adding it if it is new.
    @inline(__always)
    public mutating func intern(_ base: UnsafeRawPointer, _ length: Int) -> Int32 {
        let h = hashBytes(base, length)
        let h32 = UInt32(truncatingIfNeeded: h)
        var mask = table.count - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = table[slot]
            if id < 0 { break }
            if hashes[Int(id)] == h32 && equals(Int(id), base, length) { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(count)
        storage.append(contentsOf: UnsafeRawBufferPointer(start: base, count: length))
        starts.append(storage.count)
        hashes.append(h32)
        if count * 2 > table.count {
            grow()
            mask = table.count - 1
            slot = Int(truncatingIfNeeded: h) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
        }
        table[slot] = id
        return id
    }

    /// Returns the id of `name`, adding it if it is new.
    public mutating func intern(_ name: String) -> Int32 {
        var name = name
        return name.withUTF8 { buf in
            guard let base = buf.baseAddress else {
                return withUnsafeBytes(of: 0) { intern($0.baseAddress!, 0) }
            }
            return intern(UnsafeRawPointer(base), buf.count)
        }
    }

    /// The id of `name` if it was interned.
    public func lookup(_ name: String) -> Int32? {
        let bytes = Array(name.utf8)
        return bytes.withUnsafeBytes { buf -> Int32? in
            let base = buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            let h = hashBytes(base, buf.count)
            let mask = table.count - 1
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let id = table[slot]
                if id < 0 { return nil }
                if hashes[Int(id)] == UInt32(truncatingIfNeeded: h) && equals(Int(id), base, buf.count) {
                    return id
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private func equals(_ id: Int, _ base: UnsafeRawPointer, _ length: Int) -> Bool {
        let start = starts[id]
        guard starts[id + 1] - start == length else { return false }
        if length == 0 { return true }
        return storage.withUnsafeBytes { memcmp($0.baseAddress! + start, base, length) == 0 }
    }

    private mutating func grow() {
        let newSize = table.count * 2
        var newTable = [Int32](repeating: -1, count: newSize)
        let mask = newSize - 1
        storage.withUnsafeBytes { bytes in
            for id in 0..<count {
                let h = hashBytes(bytes.baseAddress! + starts[id], starts[id + 1] - starts[id])
                var slot = Int(truncatingIfNeeded: h) & mask
                while newTable[slot] >= 0 { slot = (slot + 1) & mask }
                newTable[slot] = Int32(id)
            }
        }
        table = newTable
    }

    /// The bytes of name `id`.
    @inlinable
    public func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        storage[starts[Int(id)]..<starts[Int(id) + 1]]
    }

    /// Calls `body` with the bytes of name `id`, without copying.
    @inline(__always)
    public func withBytes<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            let start = starts[Int(id)]
            let slice = UnsafeRawBufferPointer(rebasing: all[start..<starts[Int(id) + 1]])
            return try body(slice)
        }
    }

    /// Name `id` as text; invalid UTF-8 is repaired with U+FFFD.
    public func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }

    /// Compares two names byte by byte (the order `sort` gives folded lines).
    public func compare(_ a: Int32, _ b: Int32) -> Int {
        storage.withUnsafeBytes { all in
            let sa = starts[Int(a)], la = starts[Int(a) + 1] - sa
            let sb = starts[Int(b)], lb = starts[Int(b) + 1] - sb
            if la == 0 || lb == 0 { return la - lb }
            let c = memcmp(all.baseAddress! + sa, all.baseAddress! + sb, min(la, lb))
            if c != 0 { return Int(c) }
            return la - lb
        }
    }
}
