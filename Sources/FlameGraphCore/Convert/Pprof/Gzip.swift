import CZlib

/// gzip decompression through the system zlib, with caps on the output size and on the expansion ratio.
///
/// pprof files are usually gzip-compressed protobuf. Every input is untrusted: a few kilobytes of
/// gzip can claim gigabytes of output, so the output is capped and the input is checked to end
/// exactly where its last gzip member ends.
public enum Gzip {
    /// The default cap on decompressed output: 4 GiB.
    static let defaultLimit = 4 << 30

    /// Real profiles compress 3–10×; deflate of zeros reaches ~1000×. Output past this many times the
    /// input (beyond `ratioFloor`) is a decompression bomb, refused before it is all in memory.
    static let maxRatio = 32
    /// Output always allowed whatever the ratio: small inputs of repetitive text compress very well.
    static let ratioFloor = 64 << 20

    /// How much input zlib is handed per call (`avail_in` is 32-bit).
    private static let inputChunk = 1 << 30
    /// Output produced per `inflate` call before it is appended.
    private static let outputChunk = 256 * 1024

    /// An HTTP body sent with `Content-Encoding: gzip`: the decoded bytes, or nil when they would pass
    /// `limit` (or expand like a decompression bomb) — the caller names its own limit. Corrupt or
    /// truncated data throws.
    public static func decodeBody(_ bytes: [UInt8], limit: Int) throws -> [UInt8]? {
        do {
            return try decompress(bytes, limit: limit)
        } catch let e as FlameGraphError where e.message.hasPrefix("gzip data expands to") {
            return nil
        }
    }

    /// Whether `bytes` starts with the gzip magic number (1f 8b).
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses one or more concatenated gzip members (a zlib stream is accepted too).
    ///
    /// Throws a `.badInput` error naming the byte offset when the data is corrupt or ends early, when
    /// something other than another gzip member (or zero padding) follows a member, and when the
    /// output would exceed `limit` bytes.
    static func decompress(_ bytes: [UInt8], limit: Int = defaultLimit) throws -> [UInt8] {
        let (ratioLimit, overflow) = bytes.count.multipliedReportingOverflow(by: maxRatio)
        let ratioCap = overflow ? Int.max : max(ratioFloor, ratioLimit)
        let cap = min(limit, ratioCap)
        var stream = z_stream()
        // 15 = 32 KiB window; +32 = detect a gzip or zlib header automatically.
        let initStatus = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw FlameGraphError(.internal, "zlib could not start inflating (status \(initStatus))")
        }
        defer { inflateEnd(&stream) }

        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: outputChunk)
        defer { scratch.deallocate() }
        var output: [UInt8] = []
        // The gzip trailer's ISIZE (size mod 2^32) is a hint only: untrusted, so capped.
        if isGzip(bytes) && bytes.count >= 18 {
            let n = bytes.count
            let isize = Int(bytes[n - 4]) | Int(bytes[n - 3]) << 8 | Int(bytes[n - 2]) << 16 | Int(bytes[n - 1]) << 24
            output.reserveCapacity(min(isize, cap, 256 << 20))
        }

        try bytes.withUnsafeBufferPointer { input in
            guard let base = input.baseAddress, input.count > 0 else {
                throw FlameGraphError(.badInput, "gzip data ends early at byte 0")
            }
            let total = input.count
            // Offset of the first byte not yet handed to zlib.
            var fed = 0
            /// Offset of the next byte zlib would read.
            func position() -> Int { fed - Int(stream.avail_in) }

            while true {
                if stream.avail_in == 0 && fed < total {
                    let n = min(inputChunk, total - fed)
                    stream.next_in = UnsafeMutablePointer(mutating: base + fed)
                    stream.avail_in = UInt32(n)
                    fed += n
                }
                stream.next_out = scratch
                stream.avail_out = UInt32(outputChunk)
                let status = inflate(&stream, Z_NO_FLUSH)
                let produced = outputChunk - Int(stream.avail_out)
                if produced > 0 {
                    guard produced <= cap - output.count else {
                        let why =
                            cap < limit
                            ? "more than \(maxRatio) times its \(bytes.count) bytes (a decompression bomb?)"
                            : "more than \(limit) bytes"
                        throw FlameGraphError(
                            .badInput,
                            "gzip data expands to \(why); stopped at input byte \(position()), refusing to decompress further"
                        )
                    }
                    output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced))
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let end = position()
                    if end == total { return }
                    // Another member follows, or padding; anything else is an error.
                    if total - end >= 2 && base[end] == 0x1F && base[end + 1] == 0x8B {
                        guard inflateReset(&stream) == Z_OK else {
                            throw FlameGraphError(.internal, "zlib could not restart for the next gzip member")
                        }
                        continue
                    }
                    if UnsafeBufferPointer(rebasing: input[end...]).allSatisfy({ $0 == 0 }) { return }
                    throw FlameGraphError(.badInput, "unexpected data after the gzip data at byte \(end)")
                case Z_BUF_ERROR:
                    // No progress possible: with output space available, that means no input is left.
                    if stream.avail_in == 0 && fed == total {
                        throw FlameGraphError(.badInput, "gzip data ends early at byte \(total)")
                    }
                    if stream.avail_in == 0 { continue }  // the next chunk is fed at the top
                    throw FlameGraphError(.internal, "zlib made no progress at byte \(position())")
                case Z_NEED_DICT:
                    throw FlameGraphError(
                        .badInput, "corrupt gzip data at byte \(position()): a preset dictionary is required")
                case Z_MEM_ERROR:
                    throw FlameGraphError(.internal, "zlib ran out of memory while decompressing")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                    throw FlameGraphError(.badInput, "corrupt gzip data at byte \(position()): \(detail)")
                }
            }
        }
        return output
    }
}
