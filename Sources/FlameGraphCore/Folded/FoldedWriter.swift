#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a profile as folded stacks, one line per stack, sorted by stack text (byte order) —
/// byte-compatible with inferno's and FlameGraph's collapse output.
public enum FoldedWriter {
    /// `frame;frame;leaf COUNT` lines; for a differential profile `stack BEFORE AFTER` lines.
    /// Stacks with zero weight (on both sides) are left out.
    public static func write(_ profile: Profile) -> [UInt8] {
        let leaves = profile.leafNodes()
        // Build every stack's text once, then sort the texts. Both buffers are sized exactly first: a
        // 53 MB profile of deep stacks must not leave a doubled array behind (an array that outgrows
        // its reservation by a byte takes twice the room).
        var textBytes = 0
        for leaf in leaves {
            var n = leaf
            while n > 0 {
                textBytes += profile.names.bytes(profile.name[Int(n)]).count + 1
                n = profile.parent[Int(n)]
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(textBytes)
        var bounds: [(start: Int, end: Int, node: Int32)] = []
        bounds.reserveCapacity(leaves.count)
        var path: [Int32] = []
        for leaf in leaves {
            path.removeAll(keepingCapacity: true)
            var n = leaf
            while n > 0 {
                path.append(profile.name[Int(n)])
                n = profile.parent[Int(n)]
            }
            let start = text.count
            for (i, id) in path.reversed().enumerated() {
                if i > 0 { text.append(0x3B) }
                text.append(contentsOf: profile.names.bytes(id))
            }
            bounds.append((start, text.count, leaf))
        }
        text.withUnsafeBytes { buf in
            let base = buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            bounds.sort { a, b in
                let la = a.end - a.start, lb = b.end - b.start
                let c = memcmp(base + a.start, base + b.start, min(la, lb))
                return c != 0 ? c < 0 : la < lb
            }
        }
        var weights: [UInt8] = []  // each line's weights formatted once to count them: " W\n", " B A\n"
        var tails = 0
        for b in bounds {
            weights.removeAll(keepingCapacity: true)
            if let before = profile.selfBefore { NumberFormatting.appendWeight(before[Int(b.node)], to: &weights) }
            NumberFormatting.appendWeight(profile.selfWeight[Int(b.node)], to: &weights)
            tails += weights.count + (profile.selfBefore == nil ? 2 : 3)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count + tails)
        for b in bounds {
            out.append(contentsOf: text[b.start..<b.end])
            out.append(0x20)
            if let before = profile.selfBefore {
                NumberFormatting.appendWeight(before[Int(b.node)], to: &out)
                out.append(0x20)
            }
            NumberFormatting.appendWeight(profile.selfWeight[Int(b.node)], to: &out)
            out.append(0x0A)
        }
        return out
    }
}
