#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Swift symbols (`$s…`) made readable by the Swift runtime's own demangler, in the form
/// `swift demangle --simplified` prints — `closure #1 in Shape.area.getter`,
/// `specialized Array.append(_:)`, `protocol witness for Sequence.makeIterator() in conformance Lines`:
/// no module names, argument types, result types or private discriminators, which only widen frames.
///
/// The demangler is libswiftCore's `_swift_backtrace_demangle`, the one the runtime's crash backtracer
/// uses. Every Swift program on Linux loads libswiftCore, so it is always there and always matches the
/// mangling of the toolchain that built us; it prints with `SimplifiedUIDemangleOptions`, the options
/// behind `swift demangle --simplified`. (`swift_demangle`, the other export, prints the full form.)
public enum SwiftDemangler {
    /// The readable name of a mangled Swift symbol, or `nil` when `symbol` is not one (or the runtime
    /// cannot demangle it).
    public static func demangle(_ symbol: String) -> String? {
        demangle(Array(symbol.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Byte-level entry point used by the perf converter (once per distinct symbol: it caches names).
    static func demangle(_ bytes: [UInt8]) -> [UInt8]? {
        // perf names a PLT stub `symbol@plt` (and versioned symbols `symbol@@VERSION`): the part before
        // the `@` is demangled, the rest kept, as `swift demangle` does with such text.
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            return demangle(Array(bytes[..<at])).map { $0 + bytes[at...] }
        }
        guard isMangledSwift(bytes), bytes.count <= maxSymbolLength, let demangle = runtimeDemangle else {
            return nil
        }
        var name = bytes
        name.append(0)
        // Most names fit the stack buffer; a longer one is demangled again into a buffer of the size
        // the runtime asked for. Either way the runtime writes into our buffer: nothing to free.
        var result = call(demangle, name, capacity: stackBufferSize)
        if case .needs(let size) = result, size <= maxNameLength {
            result = call(demangle, name, capacity: size)
        }
        // The runtime hands a symbol it cannot demangle back as it was.
        guard case .name(let text) = result, text != bytes else { return nil }
        return text
    }

    /// `$s` (Swift 5+), `$S` (Swift 4.2), `$e` (Embedded Swift), each also with a leading `_` (as
    /// on Darwin); printable ASCII only. Other manglings the runtime knows (`_T0…`, C++ `_Z…`) are not
    /// ours to touch: perf prints C++ names demangled already, and `_T` also starts plain C names.
    static func isMangledSwift(_ bytes: [UInt8]) -> Bool {
        let start = bytes.first == UInt8(ascii: "_") ? 1 : 0
        guard bytes.count >= start + 3, bytes[start] == UInt8(ascii: "$") else { return false }
        switch bytes[start + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "e"): break
        default: return false
        }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Longer symbols stay mangled (real ones are a few hundred bytes; 462 the longest in our binary).
    static let maxSymbolLength = 1 << 16
    /// Longer names stay mangled: a frame name is for reading.
    static let maxNameLength = 1 << 16
    static let stackBufferSize = 1024

    /// `char *_swift_backtrace_demangle(const char *name, size_t length, char *out, size_t *outSize)`
    /// (swift/Runtime/Backtrace.h, runtime SPI). With `out` given it writes at most `*outSize` bytes
    /// (NUL included, truncating) and sets `*outSize` to the size the whole name needs.
    typealias RuntimeDemangle =
        @convention(c) (
            UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int>?
        ) -> UnsafeMutablePointer<CChar>?

    /// Looked up once in the symbols already loaded (glibc's `RTLD_DEFAULT` is the null handle).
    static let runtimeDemangle: RuntimeDemangle? = {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "_swift_backtrace_demangle") else {
            return nil
        }
        return unsafeBitCast(address, to: RuntimeDemangle.self)
    }()

    private enum CallResult {
        case name([UInt8])
        /// The name did not fit: the buffer size (NUL included) it needs.
        case needs(Int)
        case failed
    }

    /// One call with a `capacity`-byte buffer (`capacity` ≥ 1: the runtime writes `capacity - 1`
    /// bytes and a NUL). `name` ends in a NUL, which is not part of the length passed.
    private static func call(_ function: RuntimeDemangle, _ name: [UInt8], capacity: Int) -> CallResult {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(capacity, 1)) { buffer in
            guard let out = buffer.baseAddress else { return .failed }
            var size = buffer.count
            let result = name.withUnsafeBufferPointer { mangled in
                mangled.withMemoryRebound(to: CChar.self) { function($0.baseAddress, name.count - 1, out, &size) }
            }
            guard result != nil else { return .failed }
            if size > buffer.count { return .needs(size) }
            let length = strnlen(out, buffer.count - 1)
            guard length > 0 else { return .failed }
            return .name(Array(UnsafeRawBufferPointer(start: out, count: length)))
        }
    }
}
