#if canImport(Glibc)
    import Glibc
#endif

/// A listening TCP socket from `/proc/net/tcp` or `/proc/net/tcp6`.
public struct ListeningSocket: Sendable, Equatable, CustomStringConvertible {
    /// The local address as text: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, …
    public var address: String
    public var port: UInt16
    /// The socket's inode: `/proc/PID/fd/N` links to `socket:[inode]`.
    public var inode: UInt64

    public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

/// Who listens on a TCP port: the LISTEN rows (state `0A`) of `/proc/net/tcp` and `/proc/net/tcp6`,
/// then the processes whose `/proc/PID/fd` hold those sockets' inodes.
public enum TCPListeners {
    /// The LISTEN rows of one `/proc/net/tcp{,6}` text.
    ///
    /// A row: `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …`,
    /// addresses as `HEXADDR:HEXPORT`, the address in the kernel's byte order (32-bit words).
    public static func parse(_ text: String) -> [ListeningSocket] {
        var out: [ListeningSocket] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 10, f[3] == "0A" else { continue }
            let local = f[1].split(separator: ":")
            guard local.count == 2, let port = UInt16(local[1], radix: 16), let inode = UInt64(f[9]) else { continue }
            out.append(ListeningSocket(address: decodeAddress(local[0]) ?? String(local[0]), port: port, inode: inode))
        }
        return out
    }

    /// `0100007F` → `127.0.0.1`; 32 hex digits → an IPv6 address (four host-order words).
    static func decodeAddress(_ hex: Substring) -> String? {
        let digits = Array(hex.utf8)
        guard digits.count == 8 || digits.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var i = 0
        while i < digits.count {
            // Each 32-bit word is printed as the number its bytes make in this host's memory order.
            guard let word = UInt32(String(decoding: digits[i..<(i + 8)], as: UTF8.self), radix: 16) else {
                return nil
            }
            withUnsafeBytes(of: word) { bytes.append(contentsOf: $0) }
            i += 8
        }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for g in 0..<8 { groups.append(String(UInt16(bytes[2 * g]) << 8 | UInt16(bytes[2 * g + 1]), radix: 16)) }
        // IPv4-mapped (::ffff:a.b.c.d) reads better as what it maps.
        if groups[0..<5].allSatisfy({ $0 == "0" }) && groups[5] == "ffff" {
            return "::ffff:" + bytes[12..<16].map(String.init).joined(separator: ".")
        }
        return compress(groups)
    }

    /// The longest run of zero groups becomes `::`.
    static func compress(_ groups: [String]) -> String {
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < groups.count {
            if groups[i] == "0" {
                var j = i
                while j < groups.count && groups[j] == "0" { j += 1 }
                if j - i > bestLength && j - i > 1 {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        guard bestStart >= 0 else { return groups.joined(separator: ":") }
        let left = groups[..<bestStart].joined(separator: ":")
        let right = groups[(bestStart + bestLength)...].joined(separator: ":")
        return left + "::" + right
    }

    /// The sockets listening on `port` (IPv4 and IPv6).
    public static func sockets(listeningOn port: UInt16, root: String = ProcFS.defaultRoot) -> [ListeningSocket] {
        var out: [ListeningSocket] = []
        for file in ["net/tcp", "net/tcp6"] {
            guard let text = ProcFS.readText("\(root)/\(file)") else { continue }
            out += parse(text).filter { $0.port == port }
        }
        return out
    }

    /// The socket inodes among `pid`'s open file descriptors.
    public static func socketInodes(of pid: Int32, root: String = ProcFS.defaultRoot) -> Set<UInt64> {
        var inodes = Set<UInt64>()
        let dir = "\(root)/\(pid)/fd"
        var buffer = [CChar](repeating: 0, count: 128)
        for name in ProcFS.directoryEntries(dir) {
            let n = readlink("\(dir)/\(name)", &buffer, buffer.count - 1)
            guard n > 0 else { continue }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let inode = socketInode(target) { inodes.insert(inode) }
        }
        return inodes
    }

    /// `socket:[12345]` → 12345.
    static func socketInode(_ link: String) -> UInt64? {
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { return nil }
        return UInt64(link.dropFirst("socket:[".count).dropLast())
    }

    /// The processes holding any of `inodes` open (all of them: a pre-forking server's workers share
    /// the listening socket with their parent). Processes whose descriptors we may not read are skipped.
    public static func owners(of inodes: Set<UInt64>, root: String = ProcFS.defaultRoot) -> [Int32] {
        guard !inodes.isEmpty else { return [] }
        return ProcFS.allPIDs(root: root).filter { !socketInodes(of: $0, root: root).isDisjoint(with: inodes) }
    }

    /// The listening sockets on `port` and the processes that hold them.
    public static func processes(listeningOn port: UInt16, root: String = ProcFS.defaultRoot) -> (
        sockets: [ListeningSocket], pids: [Int32]
    ) {
        let sockets = sockets(listeningOn: port, root: root)
        return (sockets, owners(of: Set(sockets.map(\.inode)), root: root))
    }
}
