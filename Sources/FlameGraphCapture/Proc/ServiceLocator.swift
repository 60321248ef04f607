import FlameGraphCore

/// Finds the process behind a service URL: the one listening on the URL's port on this machine.
public enum ServiceLocator {
    /// A service URL taken apart.
    public struct Endpoint: Sendable, Equatable {
        public var scheme: String
        public var host: String
        public var port: UInt16
    }

    /// `http://localhost:8000/health` → (http, localhost, 8000); the port defaults to 80/443.
    ///
    /// - Throws: `FlameGraphError(.usage)` for anything that is not an http(s) URL with a host.
    public static func endpoint(_ url: String) throws -> Endpoint {
        guard let sep = url.firstRange(of: "://") else {
            throw FlameGraphError(.usage, "--url '\(url)' is not a URL: use the form http://localhost:8000")
        }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw FlameGraphError(.usage, "--url '\(url)' must start with http:// or https://")
        }
        var rest = url[sep.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }  // user:password@
        var host = Substring(rest)
        var portText: Substring? = nil
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw FlameGraphError(.usage, "--url '\(url)': unclosed [ in the host")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw FlameGraphError(.usage, "--url '\(url)' has no host") }
        let port: UInt16
        if let portText {
            guard let p = UInt16(portText), p > 0 else {
                throw FlameGraphError(.usage, "--url '\(url)': the port must be a number from 1 to 65535")
            }
            port = p
        } else {
            port = scheme == "https" ? 443 : 80
        }
        return Endpoint(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// Whether `host` names this machine, so a listening socket here is the service.
    public static func isLocal(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || h == "0.0.0.0" || h == "::" { return true }
        if h.hasPrefix("127.") && h.split(separator: ".").count == 4 { return true }
        if let name = ProcFS.readText("/proc/sys/kernel/hostname")?.trimmingBlanks().lowercased(), name == h {
            return true
        }
        return false
    }

    /// The process to profile for a service listening on `endpoint.port`.
    ///
    /// Pre-forking servers (gunicorn, uvicorn --workers) share the listening socket between a parent and
    /// its workers: the parent is chosen, and `includeChildren` says its children should be sampled too.
    ///
    /// - Throws: `FlameGraphError(.unavailable)` when nothing listens there, the listener cannot be
    ///   identified, several unrelated processes share it, or it is not Python (`requirePython`).
    public static func pythonProcess(for endpoint: Endpoint, url: String, root: String = ProcFS.defaultRoot) throws
        -> (pid: Int32, includeChildren: Bool)
    {
        let (sockets, pids) = TCPListeners.processes(listeningOn: endpoint.port, root: root)
        guard !sockets.isEmpty else {
            throw FlameGraphError(
                .unavailable,
                "nothing is listening on port \(endpoint.port) (from \(url)): start the service, or name its process with --pid"
            )
        }
        guard !pids.isEmpty else {
            throw FlameGraphError(
                .unavailable,
                "port \(endpoint.port) is open (\(sockets.map(\.description).joined(separator: ", "))) but its process cannot be identified (its /proc/PID/fd is not readable): run as root, or pass --pid"
            )
        }
        var chosen = pids[0]
        var children = false
        if pids.count > 1 {
            guard
                let parent = pids.first(where: { p in pids.allSatisfy { $0 == p || isAncestor(p, of: $0, root: root) } }
                )
            else {
                throw FlameGraphError(
                    .unavailable,
                    "several unrelated processes listen on port \(endpoint.port) (pids \(pids.map(String.init).joined(separator: ", "))): pass --pid"
                )
            }
            chosen = parent
            children = true
        }
        guard ProcFS.isPython(chosen, root: root) else {
            throw FlameGraphError(
                .unavailable,
                "the process listening on port \(endpoint.port) is pid \(ProcFS.describe(chosen, root: root)), which is not a Python process: pdie samples Python services with py-spy (use `flame-graph perf --pid \(chosen)` for others)"
            )
        }
        return (chosen, children)
    }

    static func isAncestor(_ ancestor: Int32, of pid: Int32, root: String) -> Bool {
        var current = pid
        for _ in 0..<64 {
            guard let parent = ProcFS.parent(of: current, root: root), parent > 0 else { return false }
            if parent == ancestor { return true }
            current = parent
        }
        return false
    }
}
