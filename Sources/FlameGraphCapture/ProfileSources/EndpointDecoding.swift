import FlameGraphCore
import Foundation

/// Decoding what a profile endpoint or an inspector answered, with messages that show what came back
/// when it was not a profile (an HTML error page…).
public enum EndpointDecoding {
    /// Decodes `body` as one of `formats` (the first when the bytes match none); anything that is not
    /// such a profile is bad input (65). A pprof answer is read as its `preferredSampleType` when it has
    /// one (a CPU profile's sample counts, which the gate's statistics need), else as `options` say.
    public static func decode(
        _ body: [UInt8], formats: [ProfileFormat], url: URL, options: ImportOptions = ImportOptions(),
        preferredSampleType: String? = nil, warn: (String) -> Void
    ) throws -> Profile {
        let source = "the answer of \(ProfileFetch.displayed(url))"
        let sniffed = body.prefix(4096).withUnsafeBytes { ProfileFormat.sniff($0) }
        guard
            let format = sniffed.flatMap({ formats.contains($0) ? $0 : nil }) ?? (formats.count == 1 ? formats[0] : nil)
        else {
            let expected = formats.map(\.rawValue).joined(separator: " or ")
            throw FlameGraphError(.badInput, "\(source) is not a profile (expected \(expected))\(snippetIfText(body))")
        }
        var decoded: DecodedProfile
        do {
            if let preferred = preferredSampleType, format == .pprof, options.sampleType == nil {
                var counts = options
                counts.sampleType = preferred
                do {
                    decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: counts)
                } catch let error as FlameGraphError where error.kind == .usage {
                    decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: options)
                }
            } else {
                decoded = try ProfileReader.decode(body, format: format, sourceName: source, options: options)
            }
        } catch let error as FlameGraphError where error.kind == .badInput {
            throw FlameGraphError(.badInput, "\(error.message)\(snippetIfText(body))")
        }
        for w in decoded.diagnostics.warnings { warn(w) }
        guard decoded.profile.totalWeight > 0 else {
            throw FlameGraphError(.badInput, "\(source) holds no samples")
        }
        return decoded.profile
    }

    /// The first line of an error body, short and printable, as `: text` (or nothing).
    public static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let clean = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? "" : ": \(clean.prefix(120))"
    }

    /// What a text body began with, to show when it was not a profile.
    public static func snippetIfText(_ body: [UInt8]) -> String {
        let head = body.prefix(200)
        guard !head.isEmpty, head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 0x20 && $0 < 0x7F) }) else {
            return ""
        }
        let s = snippet(Array(head))
        return s.isEmpty ? "" : " (it began\(s))"
    }
}
