import FlameGraphCore

/// Where baselines live, keyed by (source commit, service).
///
/// Two implementations: `GitRefStore` keeps them in the repository's object database under
/// `refs/flame-graph/baselines`; `DirectoryStore` in plain folders (`--store DIR`). Errors are
/// `FlameGraphError`s: `.notFound` for a missing baseline, `.cannotCreate` when one exists and `force`
/// is off or the store cannot be written, `.usage` for a malformed service name or commit id.
public protocol BaselineStore {
    /// Stores `folded` (the merged profile, kept byte-for-byte), its `rounds` (each round's folded
    /// stacks; empty or one for a single profile) and `metadata` for `service` at `commit` (a full
    /// sha). Replacing an existing baseline needs `force`. Returns the stored record.
    @discardableResult
    func save(
        service: String, commit: String, folded: [UInt8], rounds: [[UInt8]], metadata: BaselineMetadata, force: Bool
    ) throws -> BaselineRecord

    /// The baseline of `service` at `commit`.
    func load(service: String, commit: String) throws -> Baseline

    /// Every stored baseline (of `service`, if given), newest first.
    func list(service: String?) throws -> [BaselineRecord]

    /// Removes the baseline of `service` at `commit`.
    func delete(service: String, commit: String) throws

    /// A snapshot of which commits have a baseline for `service`, for walking history: load the
    /// index once, then ask about one commit after another.
    func index(service: String) throws -> BaselineIndex
}

/// Which commits have a baseline for one service, as of the moment it was made.
public struct BaselineIndex {
    /// False when the store holds no baselines at all (for a git store: the ref does not exist, which
    /// in a fresh clone usually means the baselines were never fetched).
    public var storeHasBaselines: Bool
    /// Whether a full lowercase commit id has a baseline.
    public var contains: (String) throws -> Bool

    public init(storeHasBaselines: Bool, contains: @escaping (String) throws -> Bool) {
        self.storeHasBaselines = storeHasBaselines
        self.contains = contains
    }
}

/// Where to look for a baseline.
public enum BaselineRevision: Sendable, Equatable, CustomStringConvertible {
    /// The merge-base of HEAD with the default branch, then its first-parent ancestors.
    case auto
    /// Exactly the commit this revision names (anything git accepts).
    case revision(String)

    /// `"auto"` → `.auto`; anything else is a revision.
    public init(_ text: String) {
        self = text == "auto" ? .auto : .revision(text)
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .revision(let r): return r
        }
    }
}

/// A baseline found by `findBaseline`.
public struct BaselineMatch: Sendable, Equatable {
    public var service: String
    /// The commit whose baseline was found.
    public var commit: String
    /// First-parent steps from where the search started (0: the start itself).
    public var distance: Int
    /// The commit the search started at (for `.auto`, the merge-base).
    public var start: String

    public init(service: String, commit: String, distance: Int, start: String) {
        self.service = service
        self.commit = commit
        self.distance = distance
        self.start = start
    }
}

extension BaselineStore {
    /// One profile, no rounds.
    @discardableResult
    public func save(service: String, commit: String, folded: [UInt8], metadata: BaselineMetadata, force: Bool) throws
        -> BaselineRecord
    {
        try save(service: service, commit: commit, folded: folded, rounds: [], metadata: metadata, force: force)
    }

    /// Stores the rounds of one capture (`[Profile]`, as `--rounds N` produces them): the merged profile
    /// and, for two or more, every round, so later comparisons have replicates on both sides. The
    /// metadata's sample count and total weight are the merged profile's; `rounds` is set here, and the
    /// sampling interval (when the caller gave none) is the merged profile's. `merged`: the rounds
    /// merged, when the caller already has them (`Profile.merged(rounds)` otherwise).
    @discardableResult
    public func save(
        service: String, commit: String, rounds profiles: [Profile], merged: Profile? = nil,
        metadata: BaselineMetadata, force: Bool = false
    ) throws -> BaselineRecord {
        guard !profiles.isEmpty else {
            throw FlameGraphError(.badInput, "No profile to save as the baseline of service '\(service)'.")
        }
        let merged = merged ?? Profile.merged(profiles)
        var metadata = metadata
        metadata.rounds = profiles.count >= 2 ? profiles.count : nil
        metadata.samplingInterval = metadata.samplingInterval ?? merged.samplingInterval
        return try save(
            service: service, commit: commit, folded: FoldedWriter.write(merged),
            rounds: profiles.count >= 2 ? profiles.map(FoldedWriter.write) : [], metadata: metadata, force: force)
    }

    /// Up to `limit` other baselines of `service` in `unit` (newest first), as replicates for the noise
    /// model; a damaged old baseline only costs a replicate.
    public func history(service: String, excluding commit: String, unit: WeightUnit, limit: Int = 8) throws
        -> [Profile]
    {
        var out: [Profile] = []
        for other in try list(service: service) where other.commit != commit && other.metadata.unit == unit {
            guard out.count < limit else { break }
            if let p = try? loadProfile(service: service, commit: other.commit).profile { out.append(p) }
        }
        return out
    }

    /// The rounds of a baseline as profiles: every stored round, or the merged profile alone for a
    /// baseline saved without rounds.
    public func loadRounds(service: String, commit: String) throws -> (rounds: [Profile], record: BaselineRecord) {
        let baseline = try load(service: service, commit: commit)
        let texts = baseline.rounds.isEmpty ? [baseline.folded] : baseline.rounds
        var out: [Profile] = []
        for (k, text) in texts.enumerated() {
            let what = baseline.rounds.isEmpty ? "" : " (round \(k + 1))"
            let parser = FoldedParser.parse(text, sourceName: "baseline \(service)@\(commit.prefix(12))\(what)")
            guard parser.validLines > 0 else {
                throw FlameGraphError(
                    .badInput, "The baseline of service '\(service)' at \(commit.prefix(12))\(what) holds no samples.")
            }
            out.append(baseline.record.metadata.restore(parser.profile))
        }
        return (out, baseline.record)
    }

    /// Same as `save(service:commit:folded:metadata:force:)` with `force` off.
    @discardableResult
    public func save(service: String, commit: String, folded: [UInt8], metadata: BaselineMetadata) throws
        -> BaselineRecord
    {
        try save(service: service, commit: commit, folded: folded, metadata: metadata, force: false)
    }

    /// Stores a profile as folded text (sorted, deterministic — see `FoldedWriter`), with its sampling
    /// interval when the caller's metadata gives none.
    @discardableResult
    public func save(service: String, commit: String, profile: Profile, metadata: BaselineMetadata, force: Bool = false)
        throws -> BaselineRecord
    {
        var metadata = metadata
        metadata.samplingInterval = metadata.samplingInterval ?? profile.samplingInterval
        return try save(
            service: service, commit: commit, folded: FoldedWriter.write(profile), metadata: metadata, force: force)
    }

    /// Loads a baseline and parses its stacks into a `Profile` with the stored unit.
    public func loadProfile(service: String, commit: String) throws -> (
        profile: Profile, record: BaselineRecord, diagnostics: Diagnostics
    ) {
        let baseline = try load(service: service, commit: commit)
        let parser = FoldedParser.parse(baseline.folded, sourceName: "baseline \(service)@\(commit.prefix(12))")
        guard parser.validLines > 0 else {
            throw FlameGraphError(
                .badInput, "The baseline of service '\(service)' at \(commit.prefix(12)) holds no samples.")
        }
        return (baseline.record.metadata.restore(parser.profile), baseline.record, parser.diagnostics)
    }

    /// Every stored baseline, newest first.
    public func list() throws -> [BaselineRecord] { try list(service: nil) }

    /// Finds the baseline to compare against.
    ///
    /// - `.auto`: start at the merge-base of HEAD with the default branch (see `Repository.defaultBranch`;
    ///   HEAD itself when there is none) and follow first parents for up to `maxDepth` steps until a
    ///   commit has a baseline for `service`. Merged-in side branches are never searched.
    /// - `.revision(REV)`: only the commit REV names. A full sha is accepted even when the commit is
    ///   not in the local history (a shallow clone can still name a baseline explicitly).
    ///
    /// - Throws: `FlameGraphError(.notFound)` with one sentence saying what is missing: the revision,
    ///   the baseline, or — in a shallow clone whose history ends before one was found — how to fetch more.
    public func findBaseline(
        service: String, startingAt revision: BaselineRevision = .auto, maxDepth: Int = 200, in repository: Repository
    ) throws
        -> BaselineMatch
    {
        try BaselineKey.checkService(service)
        guard maxDepth >= 0 else {
            throw FlameGraphError(.usage, "The search depth must be 0 or more, got \(maxDepth).")
        }
        let index = try index(service: service)
        let emptyHint =
            index.storeHasBaselines
            ? ""
            : "; this store holds no baselines at all (in a fresh clone, fetch them with git fetch origin 'refs/flame-graph/*:refs/flame-graph/*')"

        if case .revision(let text) = revision {
            let commit: String
            do {
                commit = try repository.resolveCommit(text)
            } catch let error as FlameGraphError where error.kind == .notFound && ObjectID.isFullHex(text) {
                commit = text.lowercased()
            }
            guard try index.contains(commit) else {
                let named = text.lowercased() == commit ? "" : " ('\(text)')"
                throw FlameGraphError(
                    .notFound,
                    "No baseline for service '\(service)' at commit \(commit.prefix(12))\(named)\(emptyHint).")
            }
            return BaselineMatch(service: service, commit: commit, distance: 0, start: commit)
        }

        let (start, startName) = try autoStart(repository)
        var current = start
        var distance = 0
        while true {
            let hex = current.hex
            if try index.contains(hex) {
                return BaselineMatch(service: service, commit: hex, distance: distance, start: start.hex)
            }
            if distance == maxDepth {
                throw FlameGraphError(
                    .notFound,
                    "No baseline for service '\(service)' at \(startName) or its \(maxDepth) first-parent ancestors\(emptyHint)."
                )
            }
            let step: Repository.FirstParentID
            do {
                step = try repository.firstParent(of: current)
            } catch {
                throw FlameGraphError.git(error, while: "Reading commit \(hex)", kind: .badInput)
            }
            switch step {
            case .parent(let parent):
                current = parent
                distance += 1
            case .noParent where repository.isShallow && repository.shallowBoundary().contains(hex),
                .missing where repository.isShallow:
                throw Self.shallowError(service: service, startName: startName, commits: distance + 1)
            case .noParent:
                throw FlameGraphError(
                    .notFound,
                    "No baseline for service '\(service)' at \(startName) or any of its \(distance) first-parent ancestors (the walk reached the root commit)\(emptyHint)."
                )
            case .missing(let parent):
                throw FlameGraphError(
                    .badInput,
                    "The history of \(gitShort(start)) is incomplete: commit \(parent.hex), the first parent of \(hex), is missing from the object database."
                )
            }
        }
    }

    private func autoStart(_ repository: Repository) throws -> (ObjectID, String) {
        let head = try repository.headCommitID()
        guard let branch = repository.defaultBranchID() else {
            return (head, "HEAD (\(gitShort(head)); no origin/HEAD, main or master branch to take a merge-base with)")
        }
        let base: ObjectID?
        do {
            base = try repository.mergeBase(head, branch.commit)
        } catch {
            if repository.isShallow { throw Self.shallowError(service: nil, startName: "HEAD", commits: nil) }
            throw FlameGraphError.git(
                error, while: "Finding the merge-base of HEAD and \(branch.name)", kind: .badInput)
        }
        guard let base else {
            if repository.isShallow { throw Self.shallowError(service: nil, startName: "HEAD", commits: nil) }
            return (head, "HEAD (\(gitShort(head)); it shares no history with \(branch.name))")
        }
        return (base, "\(gitShort(base)) (the merge-base of HEAD and \(branch.name))")
    }

    static func shallowError(service: String?, startName: String, commits: Int?) -> FlameGraphError {
        let what =
            if let service, let commits {
                "No baseline for service '\(service)' in the \(commits) commit\(commits == 1 ? "" : "s") of this shallow clone's history from \(startName)"
            } else {
                "This shallow clone's history is too short to find the merge-base of HEAD with the default branch"
            }
        return FlameGraphError(
            .notFound,
            "\(what): fetch the full history with `git fetch --unshallow` (or a larger fetch depth) and the baselines with `git fetch origin 'refs/flame-graph/*:refs/flame-graph/*'`, or pass --baseline with an explicit commit."
        )
    }
}

/// The 12-digit abbreviation used in messages.
func gitShort(_ id: ObjectID) -> String { String(id.hex.prefix(12)) }
