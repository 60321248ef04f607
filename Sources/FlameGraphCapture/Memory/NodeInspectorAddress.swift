import FlameGraphCore

/// Where SIGUSR1 opens a Node process's inspector: 127.0.0.1:9229 unless the process was started with
/// `--inspect-port` (alias `--debug-port`; `[host:]port`) or `--inspect[-brk|-wait]=[host:]port` on its
/// command line or in `NODE_OPTIONS` (the command line wins, the last one of each), as `node --help`
/// documents. Read from /proc.
enum NodeInspectorAddress {
    static let defaultAddress = "127.0.0.1:9229"

    static func of(pid: Int32) -> String {
        let environment = ProcFS.readBytes("/proc/\(pid)/environ", limit: 1 << 20).map { bytes in
            bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        let nodeOptions = environment?.last { $0.hasPrefix("NODE_OPTIONS=") }.map {
            $0.dropFirst("NODE_OPTIONS=".count).split(separator: " ").map(String.init)
        }
        let commandLine = ProcFS.commandLine(of: pid).map { Array($0.dropFirst()) } ?? []
        return address(commandLine: commandLine, nodeOptions: nodeOptions ?? [])
    }

    /// The address from node's own options (those before the script) and NODE_OPTIONS' words.
    static func address(commandLine: [String], nodeOptions: [String]) -> String {
        func port(in words: [String], stopAtScript: Bool) -> String? {
            var found: String? = nil
            var i = 0
            while i < words.count {
                let word = words[i]
                if stopAtScript && (!word.hasPrefix("-") || word == "--") { break }
                for flag in ["--inspect-port", "--debug-port", "--inspect", "--inspect-brk", "--inspect-wait"] {
                    if word.hasPrefix(flag + "=") {
                        found = String(word.dropFirst(flag.count + 1))
                    } else if word == flag, flag.hasSuffix("-port"), i + 1 < words.count {
                        found = words[i + 1]
                        i += 1
                    }
                }
                i += 1
            }
            return found
        }
        guard let value = port(in: commandLine, stopAtScript: true) ?? port(in: nodeOptions, stopAtScript: false)
        else { return defaultAddress }
        if value.allSatisfy(\.isNumber) { return "127.0.0.1:\(value)" }
        return value
    }
}
