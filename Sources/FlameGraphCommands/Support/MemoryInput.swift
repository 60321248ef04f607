import FlameGraphCapture
import FlameGraphCore
import Foundation

/// `memory --input FILE`: which memory capture a file is. heaptrack and memray captures need their
/// tools to read them (run through the capture runner); the rest is decoded here.
enum MemoryInput {
    enum Kind: Equatable {
        /// heaptrack (`.zst`/`.gz`) or memray (`.bin`): read through the producer's tool.
        case producer(MemoryProducer)
        /// A jemalloc `.heap` dump (`heap_v2/…`): jeprof needs the program (`--binary`).
        case jemallocDump
        /// Node's `.heapprofile`.
        case nodeHeapProfile
        /// pprof heap, folded stacks, …: whatever `ProfileReader` recognises.
        case profile
    }

    static func kind(of path: String) throws -> Kind {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FlameGraphError(.notFound, "\(path): no such file (or it cannot be read)")
        }
        let head = [UInt8](handle.readData(ofLength: 4096))
        try? handle.close()
        let name = (path as NSString).lastPathComponent
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .producer(.native) }  // zstd: heaptrack
        if head.starts(with: Array("memray".utf8)) || head.starts(with: [0x04, 0x22, 0x4D, 0x18]) {
            return .producer(.python)  // memray, plain or lz4-framed
        }
        if head.starts(with: [0x1F, 0x8B]) && name.contains("heaptrack") { return .producer(.native) }
        if head.starts(with: Array("heap_v2/".utf8)) { return .jemallocDump }
        let text = String(decoding: head, as: UTF8.self)
        if text.contains("\"head\"") && text.contains("\"selfSize\"") { return .nodeHeapProfile }
        return .profile
    }

    /// A jemalloc heap dump, symbolized by jeprof with the program that wrote it: what was live.
    static func runJemalloc(
        _ path: String, binary: String?, kind: MemoryProfiles.Kind?, capture: CaptureOptionGroup,
        render: RenderOptionGroup
    ) throws {
        guard let binary else { throw FlameGraphError(.usage, "\(path) is a jemalloc heap dump: add --binary PROGRAM") }
        guard kind == nil || kind == .inUse || kind == .leaked else {
            throw FlameGraphError(.usage, "--kind: a jemalloc heap dump holds what was live (in-use, leaked)")
        }
        var drawing = render
        if drawing.title == nil { drawing.title = "Memory: in-use (jemalloc)" }
        try CaptureFlow.run(
            MemorySource(.jemallocDump(path, binary: binary), producer: .native, kind: .inUse), capture: capture,
            render: drawing)
    }

    /// Decodes a file that needs no producer tool, in bytes.
    static func decode(_ path: String, kind: Kind, memory: MemoryProfiles.Kind?, quiet: Bool) throws -> Profile {
        if kind == .nodeHeapProfile {
            var bytes: [UInt8] = []
            try InputFile.forEachChunk(path) { bytes.append(contentsOf: $0) }
            return try NodeHeapProfile.decode(bytes, sourceName: InputFile.displayName(path))
        }
        var options = ImportOptions()
        // pprof heap profiles (Go): the sample type that matches --kind.
        options.sampleType = memory == .allocated ? "alloc_space" : memory == .inUse ? "inuse_space" : nil
        var profile = try ProfileLoader.load([path], format: nil as ProfileFormat?, options: options, quiet: quiet)
        if profile.unit == .samples { profile.unit = .bytes }  // folded stacks of bytes (jeprof --collapsed)
        return profile
    }
}
