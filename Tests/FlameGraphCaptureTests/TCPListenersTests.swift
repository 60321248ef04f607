import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

@testable import FlameGraphCapture

/// Who listens on a port: canned `/proc/net/tcp{,6}` rows, sockets this test opens, and Python servers
/// it starts; then `ServiceLocator` on top.
final class TCPListenersTests: XCTestCase {
    var children: [Process] = []
    var sockets: [Int32] = []

    override func tearDown() {
        for p in children where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in children { p.waitUntilExit() }
        children.removeAll()
        for fd in sockets { close(fd) }
        sockets.removeAll()
    }

    static let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 123456 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1F40 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 123457 1 0000000000000000 20 4 30 10 -1
           2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0
           3: 0A00020F:C350 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 888 1 0000000000000000 100 0 0 10 0
        """

    static let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000000000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0
           1: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
           2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
           3: 000080FE00000000FF005452F9E5A8C0:0050 00000000000000000000000000000000:0000 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
        """

    func testCannedRowsOnlyListeningOnesWithDecodedAddresses() {
        XCTAssertEqual(
            TCPListeners.parse(Self.tcp),
            [
                ListeningSocket(address: "127.0.0.1", port: 8000, inode: 123456),
                ListeningSocket(address: "0.0.0.0", port: 22, inode: 777),
                ListeningSocket(address: "15.2.0.10", port: 50000, inode: 888),
            ])
        let six = TCPListeners.parse(Self.tcp6)
        XCTAssertEqual(six.map(\.description), ["[::]:8001", "[::1]:8000", "[::ffff:127.0.0.1]:80"])
        XCTAssertEqual(six.map(\.inode), [999, 1001, 1002])
        XCTAssertEqual(TCPListeners.parse(""), [])
        XCTAssertEqual(TCPListeners.parse("header\n garbage row\n"), [])
    }

    func testCannedTreeFindsTheOwnerBySocketInode() throws {
        let root = try makeTemporaryDirectory("fg-tcp")
        defer { removeTemporaryDirectory(root) }
        try FileManager.default.createDirectory(atPath: root + "/net", withIntermediateDirectories: true)
        try Self.tcp.write(toFile: root + "/net/tcp", atomically: true, encoding: .utf8)
        try Self.tcp6.write(toFile: root + "/net/tcp6", atomically: true, encoding: .utf8)
        for (pid, inode) in [(10, 123456), (11, 1001), (12, 5)] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(pid)/fd", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(
                atPath: "\(root)/\(pid)/fd/3", withDestinationPath: "socket:[\(inode)]")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/\(pid)/fd/0", withDestinationPath: "/dev/null")
        }
        let (found, pids) = TCPListeners.processes(listeningOn: 8000, root: root)
        XCTAssertEqual(found.map(\.inode).sorted(), [1001, 123456])
        XCTAssertEqual(pids, [10, 11])
        XCTAssertEqual(TCPListeners.socketInodes(of: 12, root: root), [5])
        XCTAssertEqual(TCPListeners.processes(listeningOn: 9, root: root).pids, [])
    }

    /// A listening socket of this process on `address` (IPv4 or IPv6 loopback), port chosen by the kernel.
    func listen(ipv6: Bool = false) throws -> UInt16 {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        sockets.append(fd)
        var rc: Int32
        if ipv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_addr = in6addr_loopback
            rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            rc = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(Glibc.listen(fd, 4), 0)
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port sit at the same offset.
        return UInt16(bigEndian: storage.sin6_port)
    }

    func testThisProcessIsFoundListeningOnIPv4AndIPv6() throws {
        let port4 = try listen()
        let (sockets4, pids4) = TCPListeners.processes(listeningOn: port4)
        XCTAssertEqual(sockets4.map(\.address), ["127.0.0.1"])
        XCTAssertEqual(pids4, [getpid()])
        XCTAssertTrue(TCPListeners.socketInodes(of: getpid()).contains(sockets4[0].inode))

        let port6 = try listen(ipv6: true)
        let (sockets6, pids6) = TCPListeners.processes(listeningOn: port6)
        XCTAssertEqual(sockets6.map(\.description), ["[::1]:\(port6)"])
        XCTAssertEqual(pids6, [getpid()])
    }

    func testServiceLocatorRefusesWhatIsNotAListeningPythonProcess() throws {
        let free = try listen()
        close(sockets.removeLast())
        let endpoint = ServiceLocator.Endpoint(scheme: "http", host: "localhost", port: free)
        XCTAssertThrowsError(try ServiceLocator.pythonProcess(for: endpoint, url: "http://localhost:\(free)")) {
            let e = $0 as? FlameGraphError
            XCTAssertEqual(e?.kind, .unavailable)
            XCTAssertEqual(
                e?.message,
                "nothing is listening on port \(free) (from http://localhost:\(free)): start the service, or name its process with --pid"
            )
        }
        let mine = try listen()
        XCTAssertThrowsError(
            try ServiceLocator.pythonProcess(for: .init(scheme: "http", host: "127.0.0.1", port: mine), url: "u")
        ) {
            let e = $0 as? FlameGraphError
            XCTAssertEqual(e?.kind, .unavailable)
            XCTAssertTrue(e?.message.contains("is pid \(getpid())") ?? false, e?.message ?? "")
            XCTAssertTrue(e?.message.contains("not a Python process") ?? false, e?.message ?? "")
        }
    }

    /// Starts a Python server (`script` gets the port as argv[1]) and waits until it listens.
    func startPython(_ script: String, port: UInt16) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try XCTUnwrap(ExecutableLookup.find("python3")))
        p.arguments = ["-c", script, String(port)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        children.append(p)
        let until = Monotonic.now() + 10
        while Monotonic.now() < until && TCPListeners.processes(listeningOn: port).pids.isEmpty { usleep(50_000) }
        return p
    }

    func freePort() throws -> UInt16 {
        let port = try listen()
        close(sockets.removeLast())
        return port
    }

    func testServiceLocatorFindsAPythonServerAndThePreForkingParent() throws {
        let port = try freePort()
        let server = try startPython(
            "import http.server, sys; http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()",
            port: port)
        let found = try ServiceLocator.pythonProcess(
            for: try ServiceLocator.endpoint("http://localhost:\(port)/health"), url: "u")
        XCTAssertEqual(found.pid, server.processIdentifier)
        XCTAssertFalse(found.includeChildren)

        // A parent that listens, then forks two workers sharing the socket (gunicorn's shape).
        let shared = try freePort()
        let parent = try startPython(
            """
            import os, socket, sys, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()
            for _ in range(2):
                if os.fork() == 0:
                    time.sleep(60); os._exit(0)
            time.sleep(60)
            """, port: shared)
        let until = Monotonic.now() + 10
        while Monotonic.now() < until && TCPListeners.processes(listeningOn: shared).pids.count < 3 { usleep(50_000) }
        XCTAssertEqual(TCPListeners.processes(listeningOn: shared).pids.count, 3)
        let chosen = try ServiceLocator.pythonProcess(
            for: .init(scheme: "http", host: "localhost", port: shared), url: "u")
        XCTAssertEqual(chosen.pid, parent.processIdentifier)
        XCTAssertTrue(chosen.includeChildren)
        // The forked workers are not Process objects: kill them here (the parent goes in tearDown).
        for pid in TCPListeners.processes(listeningOn: shared).pids where pid != parent.processIdentifier {
            kill(pid, SIGKILL)
        }
    }

    func testServiceURLsAreTakenApart() throws {
        XCTAssertEqual(
            try ServiceLocator.endpoint("http://localhost:8000"), .init(scheme: "http", host: "localhost", port: 8000))
        XCTAssertEqual(
            try ServiceLocator.endpoint("HTTPS://Example.COM/x?y#z"),
            .init(scheme: "https", host: "example.com", port: 443))
        XCTAssertEqual(
            try ServiceLocator.endpoint("http://127.0.0.1/"), .init(scheme: "http", host: "127.0.0.1", port: 80))
        XCTAssertEqual(
            try ServiceLocator.endpoint("http://[::1]:9000/a"), .init(scheme: "http", host: "::1", port: 9000))
        XCTAssertEqual(
            try ServiceLocator.endpoint("http://user:pw@localhost:81/"),
            .init(scheme: "http", host: "localhost", port: 81))
        for bad in ["localhost:8000", "ftp://x", "http://", "http://host:0", "http://host:99999", "http://[::1"] {
            XCTAssertThrowsError(try ServiceLocator.endpoint(bad), bad) {
                XCTAssertEqual(($0 as? FlameGraphError)?.kind, .usage, bad)
            }
        }
        for local in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "0.0.0.0", "api.localhost"] {
            XCTAssertTrue(ServiceLocator.isLocal(local), local)
        }
        for remote in ["example.com", "10.0.0.1", "127.0.0", "::2"] {
            XCTAssertFalse(ServiceLocator.isLocal(remote), remote)
        }
    }

    func testHealthProbeSeesRefusedAndAnsweringServicesAndSendsTheKeyAsAHeaderOnly() throws {
        let closed = try freePort()
        XCTAssertEqual(
            ServiceProbe.get(URL(string: "http://127.0.0.1:\(closed)/")!, apiKey: nil, timeout: 3),
            .unreachable("connection refused"))

        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fg-probe-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        _ = try startPython(
            """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    open('\(log)', 'a').write(self.path + ' ' + str(self.headers.get('X-API-Key')) + '\\n')
                    if self.path == '/away':
                        self.send_response(302); self.send_header('Location', 'http://127.0.0.1:1/'); self.end_headers(); return
                    ok = self.headers.get('X-API-Key') == 's3cret'
                    self.send_response(200 if ok else 401); self.end_headers()
                def log_message(self, *a): pass
            http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
            """, port: port)
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        XCTAssertEqual(ServiceProbe.get(url, apiKey: "s3cret"), .answered(status: 200))
        XCTAssertEqual(ServiceProbe.get(url, apiKey: "wrong"), .rejected(status: 401))
        XCTAssertEqual(ServiceProbe.get(url, apiKey: nil), .rejected(status: 401))
        // A redirect is not followed: the key never goes to the other host.
        XCTAssertEqual(
            ServiceProbe.get(URL(string: "http://127.0.0.1:\(port)/away")!, apiKey: "s3cret"), .answered(status: 302))
        let seen = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertEqual(seen, "/health s3cret\n/health wrong\n/health None\n/away s3cret\n")
    }
}
