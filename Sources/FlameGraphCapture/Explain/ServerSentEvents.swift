/// An incremental reader of a `text/event-stream` body (the WHATWG server-sent events format): bytes
/// in as they arrive, the `data` of each complete event out. Lines end in LF, CRLF or CR; `:` lines
/// are comments (keep-alives); an event's `data:` lines are joined with LF; fields other than
/// `data` are ignored. A line longer than `lineLimit` bytes makes the stream malformed.
public struct ServerSentEvents: Sendable {
    public let lineLimit: Int
    private var line: [UInt8] = []
    private var data: [String] = []
    private var afterCR = false
    public private(set) var overlong = false

    public init(lineLimit: Int = 1 << 20) { self.lineLimit = lineLimit }

    /// The events completed by `bytes` (their joined `data` fields), in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            if byte == 0x0A || byte == 0x0D {
                afterCR = byte == 0x0D
                if let event = endLine() { events.append(event) }
            } else if line.count < lineLimit {
                line.append(byte)
            } else {
                overlong = true
            }
        }
        return events
    }

    /// An event whose blank line never came (the stream ended just after its data), if any.
    public mutating func finish() -> String? {
        if !line.isEmpty { _ = endLine() }
        defer { data.removeAll() }
        return data.isEmpty ? nil : data.joined(separator: "\n")
    }

    private mutating func endLine() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            defer { data.removeAll() }
            return data.isEmpty ? nil : data.joined(separator: "\n")
        }
        guard line.first != UInt8(ascii: ":") else { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        guard String(decoding: line[..<colon], as: UTF8.self) == "data" else { return nil }
        var value = line[colon...].dropFirst()
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        data.append(String(decoding: value, as: UTF8.self))
        return nil
    }
}
