import FlameGraphTestSupport
import Foundation
import XCTest

/// Outputs that are not regular files are written in place: an atomic rename over a FIFO or a
/// device (`--output /dev/null`) would replace the node itself — it once turned this machine's
/// /dev/null into a regular file.
final class OutputTargetTests: TemporaryDirectoryTestCase {
    func testAFIFOOutputStaysAFIFOAndGetsTheSVG() throws {
        let input = dir + "/in.folded"
        try "main;work 5\n".write(toFile: input, atomically: true, encoding: .utf8)
        let fifo = dir + "/out.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // A reader for the FIFO, so the writer's open does not block forever.
        let received = dir + "/received.svg"
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", "cat \"$0\" > \"$1\"", fifo, received]
        try reader.run()
        defer { if reader.isRunning { kill(reader.processIdentifier, SIGKILL) } }

        let r = try FlameGraphBinary.run(["file", "-i", input, "-o", fifo])
        XCTAssertEqual(r.status, 0, r.stderr)
        let until = Date().addingTimeInterval(10)
        while reader.isRunning && Date() < until { usleep(20_000) }
        XCTAssertFalse(reader.isRunning, "the FIFO's reader got an end of file")
        var st = stat()
        XCTAssertEqual(stat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "still a FIFO")
        XCTAssertTrue(try String(contentsOfFile: received, encoding: .utf8).contains("<svg"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }
}
