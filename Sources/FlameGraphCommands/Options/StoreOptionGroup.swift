import ArgumentParser
import FlameGraphCore
import FlameGraphStore
import Foundation

/// Where baselines are kept: the git repository's `refs/flame-graph/baselines` (default) or a directory.
struct StoreOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("Keep baselines in this directory instead of the git repository.", valueName: "dir"))
    var store: String?

    @Option(
        help: ArgumentHelp("The git repository (default: the one containing the current directory).", valueName: "path")
    )
    var repo: String = "."

    /// The repository, when there is one (a directory store can work without it, given full shas).
    func repository(required: Bool) throws -> Repository? {
        do {
            return try Repository(discoveringFrom: repo)
        } catch let e as FlameGraphError {
            if required || store == nil { throw e }
            return nil
        }
    }

    func open() throws -> (any BaselineStore, Repository?) {
        if let store {
            return (DirectoryStore(directory: store), try repository(required: false))
        }
        let repository = try repository(required: true)!
        return (GitRefStore(repository: repository), repository)
    }

    /// A commit id for `revision` (default HEAD): resolved through git, or taken as given when it is a
    /// full sha and there is no repository (directory store).
    func resolve(_ revision: String?, in repository: Repository?) throws -> String {
        let rev = revision ?? "HEAD"
        if let repository { return try repository.resolveCommit(rev) }
        if rev.count == 40, rev.allSatisfy(\.isHexDigit) { return rev.lowercased() }
        throw FlameGraphError(
            .notFound, "not a git repository (\(repo)): pass --commit with a full 40-character commit id")
    }

    /// The store and the commit whose baseline of `service` answers `revision` (a revision, or `auto`).
    private func baselineCommit(service: String, revision: String, maxDepth: Int) throws -> (
        any BaselineStore, String
    ) {
        let (store, repository) = try open()
        guard let repository else { return (store, try resolve(revision, in: nil)) }
        let found = try store.findBaseline(
            service: service, startingAt: BaselineRevision(revision), maxDepth: maxDepth, in: repository)
        return (store, found.commit)
    }

    /// The stored baseline of `service` at `revision` (a revision, or `auto`: the merge-base with the
    /// default branch, then first-parent ancestors up to `maxDepth`), and its label for reports.
    func loadBaseline(service: String, revision: String, maxDepth: Int, quiet: Bool) throws -> (Profile, String) {
        let (store, sha) = try baselineCommit(service: service, revision: revision, maxDepth: maxDepth)
        let (profile, _, diagnostics) = try store.loadProfile(service: service, commit: sha)
        if !quiet { for w in diagnostics.warnings { Console.warn(w) } }
        return (profile, "commit \(sha.prefix(12)) (\(service))")
    }

    /// Like `loadBaseline`, with the baseline's rounds (one profile when it has none) and, for the
    /// noise model, up to `historyLimit` other baselines of the same service (newest first).
    func loadBaselineRounds(service: String, revision: String, maxDepth: Int, historyLimit: Int = 8) throws -> (
        rounds: [Profile], label: String, history: [Profile]
    ) {
        let (store, sha) = try baselineCommit(service: service, revision: revision, maxDepth: maxDepth)
        let (rounds, record) = try store.loadRounds(service: service, commit: sha)
        let history = try store.history(
            service: service, excluding: sha, unit: record.metadata.unit, limit: historyLimit)
        let kept = rounds.count >= 2 ? ", \(rounds.count) rounds" : ""
        return (rounds, "commit \(sha.prefix(12)) (\(service)\(kept))", history)
    }
}

/// Metadata recorded with a saved baseline: what can be known here, without secrets.
enum BaselineMetadataFactory {
    static func make(for profile: Profile, captureCommand: String?, duration: Double? = nil, rate: Double? = nil)
        -> BaselineMetadata
    {
        var metadata = BaselineMetadata(
            unit: profile.unit, sampleCount: Int(samples(profile).rounded()), totalWeight: profile.totalWeight,
            samplingRate: rate, duration: duration, toolVersion: "flame-graph \(FlameGraphCLI.version)",
            captureCommand: captureCommand, hostFingerprint: hostFingerprint(), savedAt: Date())
        metadata.samplingInterval = profile.samplingInterval
        return metadata
    }

    /// A profile's samples, counted as the gate counts them (`FrameTotals.sampleWeight`).
    static func samples(_ profile: Profile) -> Double {
        profile.totalWeight / max(FrameTotals.sampleWeight(profile), 1e-12)
    }

    /// CPU model, core count and kernel: enough to tell machine classes apart, nothing identifying.
    static func hostFingerprint() -> String {
        var model = "unknown CPU"
        if let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var uts = utsname()
        uname(&uts)
        let system = withUnsafeBytes(of: &uts.sysname) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        let machine = withUnsafeBytes(of: &uts.machine) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return "\(model); \(ProcessInfo.processInfo.activeProcessorCount) cores; \(system) \(machine)"
    }

    /// The command line with values of secret-bearing flags replaced.
    static func redactedCommandLine(_ args: [String]) -> String {
        var out: [String] = []
        var redactNext = false
        for a in args {
            if redactNext {
                out.append("***")
                redactNext = false
                continue
            }
            let lower = a.lowercased()
            if ["--token", "--api-key", "--password"].contains(lower) {
                out.append(a)
                redactNext = true
            } else if let eq = a.firstIndex(of: "="),
                ["--token", "--api-key", "--password"].contains(String(lower[..<eq]))
            {
                out.append(String(a[...eq]) + "***")
            } else {
                out.append(a)
            }
        }
        return Redaction.url(out.joined(separator: " "))
    }
}
