import FlameGraphCore
import FlameGraphStore
import Foundation

/// Reviewed baselines checked into the repository (`--baseline-dir baselines`), the in-repo
/// alternative to the git-ref store: one file pair per service, replaced on every save.
///
///     DIR/<service>.folded   all rounds merged, sorted (inferno/FlameGraph read it as is)
///     DIR/<service>.json     the commit it was captured at, per-round sample counts, the load, metadata
///                            (with the unit and sampling interval the folded text does not keep)
struct CheckedInBaselines {
    var directory: String

    struct Document: Codable {
        var format = 1
        var service: String
        var commit: String
        var roundSamples: [Double]
        var metadata: BaselineMetadata
        var load: LoadStatistics?
    }

    func save(
        service: String, commit: String, rounds: [Profile], merged: Profile, metadata: BaselineMetadata,
        load: LoadStatistics?
    ) throws {
        let document = Document(
            service: service, commit: commit,
            roundSamples: rounds.map { BaselineMetadataFactory.samples($0).rounded() },
            metadata: metadata, load: load)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let json = try encoder.encode(document)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FlameGraphError(
                .cannotCreate, "cannot create the baseline directory \(directory): \(error.localizedDescription)")
        }
        try OutputFile.write(FoldedWriter.write(merged), to: "\(directory)/\(service).folded")
        try OutputFile.write(Array(json) + [0x0A], to: "\(directory)/\(service).json")
    }

    func load(service: String) throws -> (
        profile: Profile, commit: String, metadata: BaselineMetadata, load: LoadStatistics?
    ) {
        let folded = "\(directory)/\(service).folded"
        let meta = "\(directory)/\(service).json"
        guard FileManager.default.fileExists(atPath: folded), FileManager.default.fileExists(atPath: meta) else {
            throw FlameGraphError(
                .notFound,
                "no checked-in baseline for service '\(service)': \(folded) and \(meta) are needed (save one with gate --save-baseline --baseline-dir \(directory))"
            )
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let document: Document
        do {
            document = try decoder.decode(Document.self, from: Data(try InputFile.readAll(meta)))
        } catch let e as FlameGraphError {
            throw e
        } catch {
            throw FlameGraphError(.badInput, "\(meta) is not a baseline description: \(Console.oneLine("\(error)"))")
        }
        let profile = document.metadata.restore(try ProfileLoader.load([folded], format: "folded", quiet: true))
        return (profile, document.commit, document.metadata, document.load)
    }
}
