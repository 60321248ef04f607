#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Call-chain lines of `perf script` text: one frame each, named once per (symbol, dso) and cached.
extension PerfScriptCollapser {
    /// One frame: `addr symbol[+0xoff] (dso)`, leading blanks allowed.
    mutating func stackLine(_ b: UnsafePointer<UInt8>, _ from: Int, _ end: Int) {
        if skipEvent || stackCut { return }
        var i = from
        while i < end && Self.isBlank(b[i]) { i += 1 }
        let pcStart = i
        while i < end && !Self.isBlank(b[i]) { i += 1 }
        let pcEnd = i
        while i < end && Self.isBlank(b[i]) { i += 1 }
        if i >= end { return badStackLine() }
        let symStart = i
        // Most lines repeat a line seen before, byte for byte after the address: look that up first.
        let java = javaProcess
        let lineKey = Int(
            java ? javaLines.intern(b + symStart, end - symStart) : plainLines.intern(b + symStart, end - symStart))
        var entry: Int32
        if lineKey < (java ? javaLineEntry.count : plainLineEntry.count) {
            entry = java ? javaLineEntry[lineKey] : plainLineEntry[lineKey]
            if entry == Self.perAddressFrame { entry = resolveFrame(b, pcStart, pcEnd, symStart, end) }
        } else {
            entry = resolveFrame(b, pcStart, pcEnd, symStart, end)
            if java { javaLineEntry.append(entry) } else { plainLineEntry.append(entry) }
        }
        guard entry >= 0 else { return }
        let start = Int(entryStart[Int(entry)])
        let cut = entryCut[Int(entry)]
        let count = cut >= 0 ? Int(cut) : Int(entryCount[Int(entry)])
        if count == 1 {
            frames.append(pool[start])
        } else {
            frames.append(contentsOf: pool[start..<(start + count)])
        }
        if cut >= 0 { stackCut = true }
    }

    /// A line that names no function (its symbol starts with `(`).
    static let notAFunction: Int32 = -1
    /// A line named by its address (`--addrs` and an unknown symbol): resolved every time.
    static let perAddressFrame: Int32 = -2

    /// Names the frame of a line not seen before: returns its frame-cache entry, or `notAFunction`, or
    /// `perAddressFrame` after appending its per-address frames.
    mutating func resolveFrame(
        _ b: UnsafePointer<UInt8>, _ pcStart: Int, _ pcEnd: Int, _ symStart: Int, _ end: Int
    ) -> Int32 {
        var symEnd = end
        var dsoStart = end
        var dsoEnd = end
        if b[end - 1] == UInt8(ascii: ")") {
            // The dso is the balanced parenthesised group that ends the line.
            var depth = 0
            var k = end - 1
            while k >= symStart {
                let c = b[k]
                if c == UInt8(ascii: ")") {
                    depth += 1
                } else if c == UInt8(ascii: "(") {
                    depth -= 1
                    if depth == 0 { break }
                }
                k -= 1
            }
            if k >= symStart && (k == symStart || Self.isBlank(b[k - 1])) {
                dsoStart = k + 1
                dsoEnd = end - 1
                symEnd = k
                while symEnd > symStart && Self.isBlank(b[symEnd - 1]) { symEnd -= 1 }
            }
        }
        // Drop a `+0x1f` offset.
        var k = symEnd - 1
        while k > symStart && Self.isHex(b[k]) { k -= 1 }
        if k < symEnd - 1 && k >= symStart + 2 && b[k] == UInt8(ascii: "x") && b[k - 1] == UInt8(ascii: "0")
            && b[k - 2] == UInt8(ascii: "+")
        {
            symEnd = k - 2
        }
        // Frames whose name starts with `(` are not functions (both peers drop them).
        if symEnd > symStart && b[symStart] == UInt8(ascii: "(") { return Self.notAFunction }

        // No symbol at all (`7f1e2215d058  (/lib/libc.so)`): both peers name the frame " ".
        let empty = symEnd == symStart
        let perAddress =
            options.includeAddrs && Self.contains(b + symStart, symEnd - symStart, PerfFrameNaming.unknownSymbol)
        if perAddress {
            let names = PerfFrameNaming.names(
                symbol: Array(UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart)),
                dso: Array(UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart)),
                address: Array(UnsafeBufferPointer(start: b + pcStart, count: pcEnd - pcStart)),
                javaProcess: javaProcess, options: options)
            for name in names.reversed() {
                frames.append(
                    name.text.withUnsafeBytes {
                        profile.names.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count)
                    })
                if skipNames.contains(name.plain) {
                    stackCut = true
                    break
                }
            }
            return Self.perAddressFrame
        }

        // Cache key: process flag, symbol, NUL, dso.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(javaProcess ? 1 : 0)
        if empty {
            scratch.append(0x20)
        } else {
            scratch.append(contentsOf: UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart))
        }
        scratch.append(0)
        scratch.append(contentsOf: UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart))
        let key = scratch.withUnsafeBytes { keys.intern($0.baseAddress!, $0.count) }
        if Int(key) == entryStart.count {
            addEntry(
                symbol: empty ? [0x20] : Array(UnsafeBufferPointer(start: b + symStart, count: symEnd - symStart)),
                dso: Array(UnsafeBufferPointer(start: b + dsoStart, count: dsoEnd - dsoStart)))
        }
        return key
    }

    mutating func addEntry(symbol: [UInt8], dso: [UInt8]) {
        let names = PerfFrameNaming.names(
            symbol: symbol, dso: dso, address: [], javaProcess: javaProcess, options: options)
        entryStart.append(Int32(pool.count))
        entryCount.append(Int32(names.count))
        var cut: Int32 = -1
        for (k, name) in names.reversed().enumerated() {
            pool.append(
                name.text.withUnsafeBytes {
                    profile.names.intern($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, $0.count)
                })
            if cut < 0 && !skipNames.isEmpty && skipNames.contains(name.plain) { cut = Int32(k + 1) }
        }
        entryCut.append(cut)
    }

    static func contains(_ p: UnsafePointer<UInt8>, _ n: Int, _ needle: [UInt8]) -> Bool {
        let m = needle.count
        guard n >= m, let first = needle.first else { return n >= m }
        var i = 0
        while i + m <= n {
            if p[i] == first {
                var k = 1
                while k < m && p[i + k] == needle[k] { k += 1 }
                if k == m { return true }
            }
            i += 1
        }
        return false
    }

    mutating func badStackLine() {
        badStackLines += 1
        if firstBadStackLine == 0 { firstBadStackLine = lineNumber }
    }
}
