import ArgumentParser
import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `flame-graph memory`: where a program's memory goes, in bytes — a local command or process (memray,
/// heaptrack, Node's heap profiler), a capture file, or a pprof heap endpoint.
struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Draw a memory flame graph (bytes) of a command, a process, a capture file or a pprof heap endpoint.",
        discussion: """
            --cmd/--pid pick the profiler by what the program is (--lang overrides): Python → memray
            (`python -m memray run`; --pid: gdb starts memray's Tracker in the process for --duration, or
            tracemalloc when it cannot import memray: then what was allocated since the attach and is still
            in use), native → heaptrack (--cmd only: `heaptrack -p`
            records until the target exits and cannot stop at --duration), Node → --heap-prof (--cmd) or
            the inspector's sampling heap profiler (--pid: SIGUSR1, 127.0.0.1:9229 or the process's --inspect-port).
            --kind: allocated (heaptrack: number of allocations), in-use, leaked, temporary (heaptrack:
            number of temporary allocations), peak (default; Node: in-use). Weights are bytes unless said.
            --input reads heaptrack (.zst/.gz) and memray captures, jemalloc .heap dumps (with --binary:
            jeprof symbolizes them), Node .heapprofile, pprof heap and folded stacks. --url GETs a pprof heap
            endpoint (Go's /debug/pprof/heap; --sample-type, default inuse_space). One capture: no rounds.

            Examples:
              flame-graph memory --cmd 'python3 app.py' --output mem.svg
              flame-graph memory --input heaptrack.myprog.1234.zst --kind leaked --folded-output leaks.folded
              flame-graph memory --pid 4242 --duration 20 --kind temporary
              flame-graph memory --url http://localhost:6060/debug/pprof/heap --output heap.svg
            """)

    @Option(help: ArgumentHelp("The command to run under a memory profiler (/bin/sh -c).", valueName: "command"))
    var cmd: String?

    @Option(help: "A running process to attach a memory profiler to.")
    var pid: Int32?

    @Option(name: [.short, .long], help: "A memory capture file to read.")
    var input: String?

    @Option(help: "A pprof heap endpoint.")
    var url: String?

    @Option(help: "--input of a jemalloc .heap dump: the program that wrote it (jeprof reads its symbols).")
    var binary: String?

    @Option(help: "python, native or node: the producer for --cmd/--pid (default: detected).")
    var lang: String?

    @Option(help: "allocated, in-use, leaked, temporary or peak.")
    var kind: String?

    @Option(name: [.customLong("sample-type")], help: "--url: the pprof sample type to draw.")
    var sampleType: String = "inuse_space"

    @OptionGroup var capture: CaptureOptionGroup
    @OptionGroup var render: RenderOptionGroup

    func validate() throws {
        guard [cmd != nil, pid != nil, input != nil, url != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --cmd, --pid, --input and --url")
        }
        if let lang, MemoryProducer(rawValue: lang) == nil { throw ValidationError("--lang: python, native or node") }
        if let kind, MemoryProfiles.Kind(rawValue: kind) == nil {
            throw ValidationError("--kind: \(MemoryProfiles.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let pid, pid <= 0 { throw ValidationError("--pid must be a positive process id") }
    }

    func run() throws {
        var capture = self.capture
        if capture.rounds == nil { capture.rounds = 1 }  // one picture of memory, not a rate
        if let url { return try MemoryEndpoint.run(url: url, sampleType: sampleType, capture: capture, render: render) }
        let memoryKind = kind.flatMap(MemoryProfiles.Kind.init(rawValue:))
        var drawing = render
        let target: MemorySource.Target
        let producer: MemoryProducer
        if let input {
            let found = try MemoryInput.kind(of: input)
            if found == .jemallocDump {
                return try MemoryInput.runJemalloc(
                    input, binary: binary, kind: memoryKind, capture: capture, render: drawing)
            }
            guard case .producer(let fileProducer) = found else {
                let profile = try MemoryInput.decode(
                    input, kind: found, memory: memoryKind, quiet: capture.output.quiet)
                if drawing.title == nil { drawing.title = "Memory (\(memoryKind?.rawValue ?? "bytes"))" }
                return try Rendering.draw(
                    profile, output: capture.output.output, foldedOutput: capture.output.foldedOutput,
                    render: drawing, coloring: nil, defaultPalette: .mem)
            }
            (target, producer) = (.file(input, fileProducer), fileProducer)
        } else if let cmd {
            (target, producer) = (.command(cmd), lang.flatMap(MemoryProducer.init) ?? MemoryProducer.of(command: cmd))
        } else {
            (target, producer) = (.pid(pid!), lang.flatMap(MemoryProducer.init) ?? MemoryProducer.of(pid: pid!))
        }
        let source = MemorySource(target, producer: producer, kind: memoryKind ?? producer.defaultKind)
        try CaptureFlow.run(source, capture: capture, render: drawing) {
            "Memory: \(source.kindLabel) (\(source.toolLabel))"
        }
    }
}
