import FlameGraphTestSupport
import Foundation
import XCTest

/// C# test programs for the .NET tests: compiled with mcs, run by .NET Core 3.1 through a runtimeconfig.
extension CaptureTestCase {
    /// Compiles `source` as `dir/name.exe` and writes its runtimeconfig; returns the assembly's path.
    func buildDotnetProgram(_ name: String, source: String) throws -> String {
        let mcs = try RequiredTool.require("mcs", install: "apt-get install mono-mcs")
        try RequiredTool.require("dotnet", install: "pip install dotnetcore2 (ci/setup links it onto PATH)")
        try source.write(toFile: "\(dir)/\(name).cs", atomically: true, encoding: .utf8)
        let r = try TestProcess.run(
            mcs, ["-optimize+", "-out:\(dir)/\(name).exe", "\(dir)/\(name).cs"], timeout: 300)
        guard r.status == 0 else {
            XCTFail("mcs failed: \(r.output)")
            throw CocoaError(.executableLoad)
        }
        let config = """
            {"runtimeOptions":{"tfm":"netcoreapp3.1","framework":{"name":"Microsoft.NETCore.App","version":"3.1.0"},\
            "configProperties":{"System.Globalization.Invariant":true}}}
            """
        try config.write(toFile: "\(dir)/\(name).runtimeconfig.json", atomically: true, encoding: .utf8)
        return "\(dir)/\(name).exe"
    }

    /// Starts a built program with TMPDIR in `tmp` and waits until its diagnostics socket is there.
    func startDotnetProgram(
        _ exe: String, _ args: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws -> Process {
        let name = URL(fileURLWithPath: exe).deletingPathExtension().lastPathComponent
        let dotnet = try XCTUnwrap(RequiredTool.which("dotnet"))
        var env = ProcessInfo.processInfo.environment
        env["TMPDIR"] = tmp
        let target = try start(
            dotnet, ["exec", "--runtimeconfig", "\(dir)/\(name).runtimeconfig.json", exe] + args, environment: env)
        let pid = target.processIdentifier
        XCTAssertTrue(
            eventually(20) { self.leftovers().contains { $0.hasPrefix("dotnet-diagnostic-\(pid)-") } },
            "no diagnostics socket", file: file, line: line)
        return target
    }

    /// Runs a built program with EventPipe switched on by environment, as a user without flame-graph
    /// would; returns what it printed and the .nettrace it wrote.
    func runWithEventPipe(_ exe: String, _ args: [String]) throws -> (output: String, trace: String) {
        let name = URL(fileURLWithPath: exe).deletingPathExtension().lastPathComponent
        let traces = "\(dir)/traces-\(name)"
        try FileManager.default.createDirectory(atPath: traces, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["COMPlus_EnableEventPipe"] = "1"
        env["COMPlus_EventPipeOutputPath"] = traces + "/"
        env["COMPlus_EventPipeConfig"] =
            "Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:4c14fccbd:5"
        let dotnet = try XCTUnwrap(RequiredTool.which("dotnet"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: dotnet)
        p.arguments = ["exec", "--runtimeconfig", "\(dir)/\(name).runtimeconfig.json", exe] + args
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, output)
        let trace = try XCTUnwrap(
            try FileManager.default.contentsOfDirectory(atPath: traces).first { $0.hasSuffix(".nettrace") })
        return (output, "\(traces)/\(trace)")
    }

    /// The program's `SHARES a b` line: the time it measured in its two methods.
    func programTimes(_ output: String) throws -> (Double, Double) {
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("SHARES ") }, output)
        let fields = line.split(separator: " ")
        return (try XCTUnwrap(Double(fields[1])), try XCTUnwrap(Double(fields[2])))
    }

    /// Fails unless the split of the profile's weight between methods `a` and `b` is within `accuracy`
    /// of the split the program timed itself. The split, not each share of the whole: time a stalled
    /// runner spends between the two methods (in the stopwatch's native call, say) belongs to neither.
    /// Returns the two methods' shares of the whole profile.
    @discardableResult
    func assertSplit(
        folded path: String, _ a: String, _ b: String, program: (Double, Double), accuracy: Double = 0.08,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> (Double, Double) {
        let stacks = try folded(path)
        let (sa, sb) = (share(stacks, function: a), share(stacks, function: b))
        XCTAssertGreaterThan(sa + sb, 0, "neither \(a) nor \(b) in \(path)", file: file, line: line)
        let measured = sa / max(sa + sb, 1e-9)
        let expected = program.0 / max(program.0 + program.1, 1e-9)
        XCTAssertEqual(
            measured, expected, accuracy: accuracy,
            "\(a) / (\(a) + \(b)): profile \(measured) (shares \(sa), \(sb)), program \(expected)", file: file,
            line: line)
        return (sa, sb)
    }
}
