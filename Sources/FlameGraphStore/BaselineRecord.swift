import FlameGraphCore
import Foundation

/// What is known about a stored profile besides its stacks — written next to it as `<service>.json`.
///
/// Everything here is supplied by the caller, the save date included: the store reads no clock, so the
/// same inputs always store the same bytes.
public struct BaselineMetadata: Sendable, Equatable, Codable {
    /// What the weights count.
    public var unit: WeightUnit
    /// Samples taken (for a `samples` profile this equals the total weight).
    public var sampleCount: Int
    /// Sum of all stack weights, in `unit`.
    public var totalWeight: Double
    /// Sampling frequency in Hz, if the capture had one.
    public var samplingRate: Double?
    /// Capture duration in seconds, if known.
    public var duration: Double?
    /// `flame-graph --version` that captured or saved it.
    public var toolVersion: String
    /// The command line that captured it (secrets already removed by the caller).
    public var captureCommand: String?
    /// Identifies the machine class (CPU model, core count, OS), so results from different hosts are not compared blindly.
    public var hostFingerprint: String?
    /// When it was saved; stored to the second.
    public var savedAt: Date
    /// Rounds kept besides the merged profile (`<service>.round-K.folded`, K = 1…rounds); nil or 1 for
    /// a baseline saved as one profile (every baseline before rounds existed).
    public var rounds: Int? = nil
    /// Hygiene warnings recorded at save time (dirty work tree, few samples); absent when none.
    public var notes: [String]? = nil
    /// The weight of one sample in `unit` (`Profile.samplingInterval`: 1,001,001 for cpu-clock
    /// nanoseconds at 999 Hz), given back to the loaded profiles so the gate counts their samples as it
    /// counted the capture's. Absent when unknown, and in baselines saved before it was kept: those
    /// load without one, as they always did.
    public var samplingInterval: Double? = nil

    public init(
        unit: WeightUnit, sampleCount: Int, totalWeight: Double, samplingRate: Double? = nil,
        duration: Double? = nil, toolVersion: String, captureCommand: String? = nil,
        hostFingerprint: String? = nil, savedAt: Date
    ) {
        self.unit = unit
        self.sampleCount = sampleCount
        self.totalWeight = totalWeight
        self.samplingRate = samplingRate
        self.duration = duration
        self.toolVersion = toolVersion
        self.captureCommand = captureCommand
        self.hostFingerprint = hostFingerprint
        self.savedAt = savedAt
    }
}

extension BaselineMetadata {
    /// A stored profile as parsed from its folded text, given back what folded text does not keep:
    /// its unit and sampling interval.
    public func restore(_ parsed: Profile) -> Profile {
        var profile = parsed
        profile.unit = unit
        profile.samplingInterval = samplingInterval
        return profile
    }
}

/// One stored baseline: which service, at which source commit, and its metadata.
public struct BaselineRecord: Sendable, Equatable {
    /// The service (or benchmark) name, e.g. `api`.
    public var service: String
    /// The full lowercase sha of the source commit the profile was captured on.
    public var commit: String
    public var metadata: BaselineMetadata

    public init(service: String, commit: String, metadata: BaselineMetadata) {
        self.service = service
        self.commit = commit
        self.metadata = metadata
    }

    public var samples: Int { metadata.sampleCount }
    public var savedAt: Date { metadata.savedAt }

    /// The order `list` returns: newest first, then by service and commit, so ties are deterministic.
    public static func newestFirst(_ a: BaselineRecord, _ b: BaselineRecord) -> Bool {
        (a.savedAt, a.service, a.commit) > (b.savedAt, b.service, b.commit)
    }
}

/// A baseline's stacks (folded text, byte-for-byte as saved) and record.
public struct Baseline: Sendable, Equatable {
    public var record: BaselineRecord
    /// The merged profile (all rounds together).
    public var folded: [UInt8]
    /// Each round's stacks, when it was saved with two or more; empty otherwise.
    public var rounds: [[UInt8]]

    public init(record: BaselineRecord, folded: [UInt8], rounds: [[UInt8]] = []) {
        self.record = record
        self.folded = folded
        self.rounds = rounds
    }
}

/// File names of a baseline's rounds.
enum RoundFiles {
    static func name(_ service: String, _ k: Int) -> String { "\(service).round-\(k).folded" }
    /// How many rounds a record says are stored (0 when only the merged profile is).
    static func count(_ metadata: BaselineMetadata) -> Int { (metadata.rounds ?? 1) >= 2 ? metadata.rounds! : 0 }
}

/// The `<service>.json` document: the record plus a format version for later migrations.
struct StoredRecord: Codable {
    static let currentFormat = 1

    var format: Int
    var service: String
    var commit: String
    var metadata: BaselineMetadata

    init(_ record: BaselineRecord) {
        format = Self.currentFormat
        service = record.service
        commit = record.commit
        metadata = record.metadata
    }

    var record: BaselineRecord { BaselineRecord(service: service, commit: commit, metadata: metadata) }

    /// Pretty, key-sorted JSON ending in a newline: deterministic and diff-friendly.
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return [UInt8](try encoder.encode(self)) + [0x0A]
        } catch {
            throw FlameGraphError(.badInput, "Cannot encode the metadata of baseline \(service)@\(commit): \(error).")
        }
    }

    static func decode(_ bytes: [UInt8], describing what: String) throws -> StoredRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let stored: StoredRecord
        do {
            stored = try decoder.decode(StoredRecord.self, from: Data(bytes))
        } catch {
            throw FlameGraphError(.badInput, "The metadata of \(what) is not valid baseline JSON: \(error).")
        }
        guard stored.format <= currentFormat else {
            throw FlameGraphError(
                .badInput,
                "The metadata of \(what) has format \(stored.format), newer than this flame-graph understands (\(currentFormat)); upgrade flame-graph."
            )
        }
        return stored
    }
}

/// Checks and normalises the two keys every store uses.
enum BaselineKey {
    /// Service names become file names in trees and folders: letters, digits, `.`, `_`, `-`, starting
    /// with a letter or digit, at most 100 characters.
    static func checkService(_ service: String) throws {
        let utf8 = service.utf8
        let valid =
            !utf8.isEmpty && utf8.count <= 100
            && utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || c == 0x2E || c == 0x5F || c == 0x2D
            }
            && utf8.first.map { $0 != 0x2E && $0 != 0x2D && $0 != 0x5F } == true
        guard valid else {
            throw FlameGraphError(
                .usage,
                "Invalid service name '\(service)': use up to 100 letters, digits, '.', '_' or '-', starting with a letter or digit."
            )
        }
    }

    /// Commits are full 40-digit shas; returned lowercase.
    static func normaliseCommit(_ commit: String) throws -> String {
        guard ObjectID.isFullHex(commit) else {
            throw FlameGraphError(
                .usage,
                "'\(commit)' is not a full 40-character commit id; resolve revisions with Repository.resolveCommit first."
            )
        }
        return commit.lowercased()
    }

    /// Whole seconds, as the JSON stores them, so a saved record equals the loaded one.
    static func truncatedToSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
