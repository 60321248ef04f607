// libFuzzer entry point over the importers, built by `ci/fuzz` in one module with FlameGraphCore
// (`swiftc -sanitize=fuzzer`); not part of the package's targets.
#if canImport(FlameGraphCore)
    import FlameGraphCore
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The importer under test, from `FLAME_GRAPH_FUZZ_FORMAT` (`folded`, `perf`, `cpuprofile`, `pprof`,
/// `speedscope`, `svg`, `diff-folded`; unset: sniffed from the bytes, as `--input` does).
let fuzzFormat: ProfileFormat? = getenv("FLAME_GRAPH_FUZZ_FORMAT").flatMap {
    ProfileFormat(rawValue: String(cString: $0))
}

/// Any input: exit 0 or a `FlameGraphError` — a crash, a trap or a hang is a finding. A decoded profile
/// is also written both ways as folded stacks, which must agree byte for byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImporters(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let decoded = try? ProfileReader.decode(bytes, format: fuzzFormat, sourceName: "fuzz") else { return 0 }
    var streamed: [UInt8] = []
    try? FoldedStream.write(decoded.profile, pieceSize: 256) { streamed.append(contentsOf: $0) }
    if streamed != FoldedWriter.write(decoded.profile) {
        fatalError("FoldedStream and FoldedWriter disagree")
    }
    return 0
}
