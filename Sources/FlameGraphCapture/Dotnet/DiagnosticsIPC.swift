import FlameGraphCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The .NET diagnostics IPC protocol (dotnet/diagnostics `ipc-protocol.md`), the part `dotnet-trace`
/// speaks: a Unix socket the runtime opens at start-up (`$TMPDIR/dotnet-diagnostic-<pid>-<key>-socket`),
/// one command per connection, each message a 20-byte header (`DOTNET_IPC_V1\0`, total size, command
/// set, command id, reserved) and a payload. CollectTracing (EventPipe set 0x02, id 0x02) answers OK
/// with a session id and then streams a nettrace on the same connection until StopTracing (0x02, 0x01,
/// sent on a second connection) ends the session and the runtime closes the stream after its rundown.
public enum DiagnosticsIPC {
    static let magic: [UInt8] = Array("DOTNET_IPC_V1".utf8) + [0]
    static let headerSize = 20

    /// A provider to enable: name, keywords, level (5 = verbose).
    public struct Provider: Sendable {
        public var name: String
        public var keywords: UInt64
        public var level: UInt32
        public init(name: String, keywords: UInt64, level: UInt32) {
            self.name = name
            self.keywords = keywords
            self.level = level
        }
    }

    /// The runtime's diagnostics socket for `pid`: in the target's TMPDIR (from /proc), ours, or /tmp.
    public static func socketPath(pid: Int32) throws -> String {
        var dirs: [String] = []
        if let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") {
            for entry in environ.split(separator: 0) where entry.starts(with: Array("TMPDIR=".utf8)) {
                dirs.append(String(decoding: entry.dropFirst(7), as: UTF8.self))
            }
        }
        if let mine = ProcessInfo.processInfo.environment["TMPDIR"] { dirs.append(mine) }
        dirs.append("/tmp")
        let prefix = "dotnet-diagnostic-\(pid)-"
        for dir in dirs {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            if let name = names.filter({ $0.hasPrefix(prefix) && $0.hasSuffix("-socket") }).sorted().last {
                return (dir as NSString).appendingPathComponent(name)
            }
        }
        throw FlameGraphError(
            .unavailable,
            "process \(pid) has no .NET diagnostics socket (\(prefix)*-socket in \(Array(Set(dirs)).sorted().joined(separator: ", "))): is it a .NET Core 3.0+ process, started with DOTNET_EnableDiagnostics unset or 1?"
        )
    }

    static func header(size: Int, commandSet: UInt8, commandID: UInt8) -> [UInt8] {
        magic + [UInt8(size & 0xFF), UInt8(size >> 8), commandSet, commandID, 0, 0]
    }

    /// CollectTracing (v1, understood from .NET Core 3.0 on): circular buffer MB, format 1 (nettrace),
    /// then the providers (keywords, level, UTF-16 name with its terminator, empty filter string).
    static func collectTracing(_ providers: [Provider], bufferMB: UInt32 = 256) -> [UInt8] {
        var payload: [UInt8] = []
        func u32(_ v: UInt32) { for k in 0..<4 { payload.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(k)))) } }
        func u64(_ v: UInt64) { for k in 0..<8 { payload.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        u32(bufferMB)
        u32(1)
        u32(UInt32(providers.count))
        for p in providers {
            u64(p.keywords)
            u32(p.level)
            let units = Array(p.name.utf16) + [0]
            u32(UInt32(units.count))
            for unit in units { payload += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
            u32(0)
        }
        return header(size: headerSize + payload.count, commandSet: 0x02, commandID: 0x02) + payload
    }

    static func stopTracing(session: UInt64) -> [UInt8] {
        var payload: [UInt8] = []
        for k in 0..<8 { payload.append(UInt8(truncatingIfNeeded: session >> (8 * UInt64(k)))) }
        return header(size: headerSize + 8, commandSet: 0x02, commandID: 0x01) + payload
    }

    /// Reads a response header and payload: the OK payload, or a thrown error with the runtime's HRESULT.
    static func readResponse(_ socket: IPCSocket, what: String, deadline: Date) throws -> [UInt8] {
        let head = try socket.read(exactly: headerSize, deadline: deadline, what: what)
        guard Array(head[0..<14]) == magic else {
            throw FlameGraphError(.unavailable, "\(what): the runtime answered without the DOTNET_IPC_V1 header")
        }
        let size = Int(head[14]) | Int(head[15]) << 8
        let payload = try socket.read(exactly: max(size - headerSize, 0), deadline: deadline, what: what)
        if head[16] == 0xFF && head[17] == 0xFF {
            var code: UInt32 = 0
            for k in 0..<min(4, payload.count) { code |= UInt32(payload[k]) << (8 * UInt32(k)) }
            throw FlameGraphError(
                .unavailable, "\(what): the runtime refused (HRESULT 0x\(String(code, radix: 16, uppercase: true)))")
        }
        return payload
    }

    /// Traces `pid` until `deadline` (or `shouldStop`), then stops the session and reads the rest of the
    /// stream (the rundown that names the methods). Returns the nettrace bytes.
    public static func trace(
        pid: Int32, providers: [Provider], until deadline: Date, maxBytes: Int = 1 << 30,
        shouldStop: () -> Bool
    ) throws -> [UInt8] {
        let path = try socketPath(pid: pid)
        let stream = try IPCSocket(path: path)
        defer { stream.close() }
        try stream.write(collectTracing(providers))
        let answer = try readResponse(stream, what: "CollectTracing on \(path)", deadline: Date() + 10)
        guard answer.count >= 8 else {
            throw FlameGraphError(.unavailable, "CollectTracing on \(path): no session id in the answer")
        }
        var session: UInt64 = 0
        for k in 0..<8 { session |= UInt64(answer[k]) << (8 * UInt64(k)) }
        var trace: [UInt8] = []
        var stopped = false
        while true {
            if !stopped && (Date() >= deadline || shouldStop()) {
                let control = try IPCSocket(path: path)
                defer { control.close() }
                try control.write(stopTracing(session: session))
                _ = try readResponse(control, what: "StopTracing on \(path)", deadline: Date() + 10)
                stopped = true
            }
            // After the stop, the rundown follows; a runtime that never closes the stream is cut off.
            let chunk = try stream.readSome(
                deadline: stopped ? Date() + 30 : min(deadline, Date() + 0.2), what: "the trace stream")
            guard let chunk else {
                if stopped { break } else { continue }
            }
            if chunk.isEmpty { break }  // EOF: the session ended (stopped, or the process exited)
            trace += chunk
            if trace.count > maxBytes {
                throw FlameGraphError(.unavailable, "the trace of process \(pid) passed \(maxBytes >> 20) MiB: stopped")
            }
        }
        return trace
    }
}
