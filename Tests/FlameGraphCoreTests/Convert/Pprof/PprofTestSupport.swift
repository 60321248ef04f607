import CZlib
import XCTest

@testable import FlameGraphCore

/// Helpers shared by the pprof tests.
enum PprofTestSupport {
    /// gzip-compresses `bytes` with the system zlib (one member).
    static func gzip(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip wrapper; 8: default memory level.
        let status = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2_ failed: \(status)")
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let rc = deflate(&stream, Z_FINISH)
                precondition(rc == Z_STREAM_END, "deflate failed: \(rc)")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(out[..<produced])
    }

    static func decode(_ bytes: [UInt8], sampleType: String? = nil, source: String = "test.pb.gz") throws -> (
        Profile, Diagnostics
    ) {
        var options = PprofOptions()
        options.sampleType = sampleType
        return try PprofDecoder.decode(bytes, sourceName: source, options: options)
    }

}
