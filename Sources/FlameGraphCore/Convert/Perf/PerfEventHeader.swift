/// Event header lines of `perf script` text: which process, which event type, what weight.
extension PerfScriptCollapser {
    /// A header: `comm [PID/]TID [cpu] [time:] [period] event: [ip sym (dso)]`.
    mutating func eventLine(_ b: UnsafePointer<UInt8>, _ n: Int) {
        var i = 0
        while i < n && Self.isBlank(b[i]) { i += 1 }
        let commStart = i
        while i < n && !Self.isBlank(b[i]) { i += 1 }
        // The process name may contain blanks: the PID/TID is the first later word of digits
        // (`123` or `123/456`) that is followed by more text.
        var pidStart = -1
        var slash = -1
        var wordEnd = 0
        while pidStart < 0 {
            while i < n && Self.isBlank(b[i]) { i += 1 }
            if i >= n { break }
            let ws = i
            var ok = Self.isDigit(b[i])
            var sl = -1
            while i < n && !Self.isBlank(b[i]) {
                let c = b[i]
                if c == UInt8(ascii: "/") && sl < 0 {
                    sl = i
                } else if !Self.isDigit(c) {
                    ok = false
                }
                i += 1
            }
            if ok && i < n && sl != i - 1 {
                pidStart = ws
                slash = sl
                wordEnd = i
            }
        }
        guard pidStart >= 0 else { return weirdEventLine(b, n) }
        var commEnd = pidStart
        while commEnd > commStart && Self.isBlank(b[commEnd - 1]) { commEnd -= 1 }

        // The rest: the event is the first word ending in `:` that does not start with a digit
        // (a timestamp does); the period, when perf printed one, is the number just before it.
        var period: Double? = nil
        var number: Double? = nil
        var eventStart = -1
        var eventEnd = -1
        i = wordEnd
        while true {
            while i < n && Self.isBlank(b[i]) { i += 1 }
            if i >= n { break }
            let ts = i
            var allDigits = true
            var value: UInt64 = 0
            while i < n && !Self.isBlank(b[i]) {
                let c = b[i]
                if Self.isDigit(c) {
                    value = value &* 10 &+ UInt64(c &- 0x30)
                } else {
                    allDigits = false
                }
                i += 1
            }
            if allDigits {
                number = Double(value)
                continue
            }
            if b[i - 1] == UInt8(ascii: ":") && i - ts > 1 && !Self.isDigit(b[ts]) {
                eventStart = ts
                eventEnd = i - 1
                period = number
                break
            }
            number = nil
        }

        inEvent = true
        skipEvent = false
        stackCut = false
        frames.removeAll(keepingCapacity: true)
        weight = period ?? 1

        if eventStart >= 0 {
            let type = Self.eventType(UnsafeBufferPointer(start: b + eventStart, count: eventEnd - eventStart)[...])
            if let wanted = filter {
                if type != wanted { skipEvent = true }
            } else {
                filter = type
            }
        }
        if skipEvent {
            samplesFiltered += 1
        } else {
            // Root frame: the process name (blanks as `_`), then `-PID` or `-PID/TID`.
            scratch.removeAll(keepingCapacity: true)
            for k in commStart..<commEnd { scratch.append(b[k] == 0x20 ? UInt8(ascii: "_") : b[k]) }
            javaProcess = commEnd - commStart == 4 && scratch == Self.javaName
            if options.includeTID || options.includePID {
                scratch.append(UInt8(ascii: "-"))
                if slash >= 0 {
                    for k in pidStart..<slash { scratch.append(b[k]) }
                } else {
                    scratch.append(UInt8(ascii: "?"))
                }
                if options.includeTID {
                    scratch.append(UInt8(ascii: "/"))
                    for k in (slash >= 0 ? slash + 1 : pidStart)..<wordEnd { scratch.append(b[k]) }
                }
            }
            root = scratch.withUnsafeBytes { profile.names.intern($0.baseAddress!, $0.count) }
        }

        // `perf script -F …,ip,sym` prints the frame on the header line and no blank line after it.
        if eventEnd >= 0 {
            var r = eventEnd + 1
            while r < n && Self.isBlank(b[r]) { r += 1 }
            if r < n {
                var w = r
                while w < n && Self.isHex(b[w]) { w += 1 }
                if w > r && w < n && Self.isBlank(b[w]) {
                    stackLine(b, r, n)
                    endEvent()
                }
            }
        }
    }

    static let javaName: [UInt8] = Array("java".utf8)

    /// `cycles:u` → `cycles`: a trailing `:` + perf's modifier letters is not part of the type, while
    /// a tracepoint's `sched:sched_switch` is kept whole.
    static func eventType<C: Collection>(_ name: C) -> [UInt8] where C.Element == UInt8 {
        var bytes = Array(name)
        while let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            let modifiers = bytes[(colon + 1)...]
            guard modifiers.allSatisfy({ Self.modifierLetters.contains($0) }) else { break }
            bytes.removeSubrange(colon...)
        }
        return bytes
    }

    static let modifierLetters: Set<UInt8> = Set("ukhIGHpPSDWebR".utf8)

    mutating func weirdEventLine(_ b: UnsafePointer<UInt8>, _ n: Int) {
        weirdLines += 1
        if weirdLines == 1 {
            let text = String(decoding: UnsafeBufferPointer(start: b, count: min(n, 300)), as: UTF8.self)
            diagnostics.warn("Weird event line: \(text)")
        }
        // Treat what follows, up to the next blank line, as this unreadable event's stack.
        inEvent = true
        skipEvent = true
        frames.removeAll(keepingCapacity: true)
    }
}
