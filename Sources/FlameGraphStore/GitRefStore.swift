import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Baselines kept in the repository's own object database, under one reference.
///
/// `refs/flame-graph/baselines` points at a linear chain of commits (one per save or delete) whose
/// trees hold, for every source commit `abcdef…`:
///
///     ab/cdef…/<service>.folded    the stacks, byte-for-byte as saved
///     ab/cdef…/<service>.json      the metadata (`StoredRecord`)
///
/// The two-level fan-out keeps every tree small however many commits have baselines. Nothing else is
/// touched: not the working tree, the index, HEAD or any branch. The reference is updated by
/// compare-and-swap, so concurrent CI jobs saving into the same repository never lose each other's
/// baselines. Share them like any ref: `git push origin refs/flame-graph/baselines` and
/// `git fetch origin 'refs/flame-graph/*:refs/flame-graph/*'` (custom refs are not cloned by default).
///
/// Not thread-safe (it owns a `Repository`): give each thread its own store.
public final class GitRefStore: BaselineStore {
    public static let defaultReference = "refs/flame-graph/baselines"

    public let repository: Repository
    public let reference: String
    /// Name and email on the commits of the baseline chain.
    public var committerName = "flame-graph"
    public var committerEmail = "flame-graph@localhost"
    /// How many times an update is retried after losing a race before giving up.
    public var maxAttempts = 64

    /// Attempts the last successful update took (1 = no conflict) — for tests and diagnostics.
    public private(set) var lastAttempts = 0

    public init(repository: Repository, reference: String = GitRefStore.defaultReference) {
        self.repository = repository
        self.reference = reference
    }

    /// Opens the repository containing `path` (see `Repository.init(discoveringFrom:)`).
    public convenience init(discoveringFrom path: String = ".") throws {
        self.init(repository: try Repository(discoveringFrom: path))
    }

    // MARK: Paths

    /// `ab/cdef…` for commit `abcdef…`.
    static func folder(_ commit: String) -> [String] {
        [String(commit.prefix(2)), String(commit.dropFirst(2))]
    }

    static func path(_ commit: String, _ file: String) -> String {
        (folder(commit) + [file]).joined(separator: "/")
    }

    // MARK: BaselineStore

    @discardableResult
    public func save(service: String, commit: String, folded: [UInt8], metadata: BaselineMetadata, force: Bool) throws
        -> BaselineRecord
    {
        try BaselineKey.checkService(service)
        let commit = try BaselineKey.normaliseCommit(commit)
        var metadata = metadata
        metadata.savedAt = BaselineKey.truncatedToSeconds(metadata.savedAt)
        let record = BaselineRecord(service: service, commit: commit, metadata: metadata)
        let json = try StoredRecord(record).encoded()
        let what = "Saving the baseline of service '\(service)' at \(commit.prefix(12))"
        // Objects are immutable and content-addressed: write them once, outside the retry loop.
        let (foldedBlob, jsonBlob) = try gitStep(what, .cannotCreate) {
            (try repository.writeBlob(folded), try repository.writeBlob(json))
        }
        let marker = "\(service).json"
        try update(
            message: "save \(service) \(commit)", time: Int64(metadata.savedAt.timeIntervalSince1970), what: what
        ) { root in
            try repository.editTree(root, at: Self.folder(commit)[...]) { folder in
                if !force, folder.entry(marker) != nil {
                    throw FlameGraphError(
                        .usage,
                        "A baseline for service '\(service)' at commit \(commit.prefix(12)) already exists; pass --force (baseline save) or --replace-baseline (capture commands) to replace it."
                    )
                }
                try folder.insert("\(service).folded", foldedBlob, isTree: false)
                try folder.insert(marker, jsonBlob, isTree: false)
            }
        }
        return record
    }

    public func load(service: String, commit: String) throws -> Baseline {
        try BaselineKey.checkService(service)
        let commit = try BaselineKey.normaliseCommit(commit)
        let what = "Reading the baseline of service '\(service)' at \(commit.prefix(12))"
        guard let tree = try rootTree(what) else {
            throw FlameGraphError(
                .notFound,
                "No baseline for service '\(service)' at commit \(commit.prefix(12)): \(reference) does not exist in this repository (in a fresh clone, fetch it with git fetch origin 'refs/flame-graph/*:refs/flame-graph/*')."
            )
        }
        return try gitStep(what, .badInput) {
            guard let json = try tree.entry(atPath: Self.path(commit, "\(service).json")),
                let folded = try tree.entry(atPath: Self.path(commit, "\(service).folded"))
            else {
                throw FlameGraphError(.notFound, "No baseline for service '\(service)' at commit \(commit.prefix(12)).")
            }
            let stored = try StoredRecord.decode(
                try repository.blobBytes(json.id), describing: "\(service)@\(commit.prefix(12))")
            return Baseline(record: stored.record, folded: try repository.blobBytes(folded.id))
        }
    }

    public func list(service: String?) throws -> [BaselineRecord] {
        if let service { try BaselineKey.checkService(service) }
        let what = "Listing baselines"
        guard let root = try rootTree(what) else { return [] }
        var records: [BaselineRecord] = []
        try gitStep(what, .badInput) {
            for fan in root.entries() where fan.isTree && fan.name.utf8.count == 2 {
                let fanTree = try repository.tree(fan.id)
                for folder in fanTree.entries() where folder.isTree {
                    let commit = fan.name + folder.name
                    guard ObjectID.isFullHex(commit) else { continue }
                    let files = try repository.tree(folder.id)
                    for file in files.entries() where !file.isTree && file.name.hasSuffix(".json") {
                        let name = String(file.name.dropLast(5))
                        if let service, name != service { continue }
                        let stored = try StoredRecord.decode(
                            try repository.blobBytes(file.id), describing: "\(commit)/\(file.name)")
                        records.append(BaselineRecord(service: name, commit: commit, metadata: stored.metadata))
                    }
                }
            }
        }
        return records.sorted(by: BaselineRecord.newestFirst)
    }

    public func delete(service: String, commit: String) throws {
        try BaselineKey.checkService(service)
        let commit = try BaselineKey.normaliseCommit(commit)
        let what = "Deleting the baseline of service '\(service)' at \(commit.prefix(12))"
        try update(message: "delete \(service) \(commit)", time: nil, what: what) { root in
            let missing = FlameGraphError(
                .notFound, "No baseline for service '\(service)' at commit \(commit.prefix(12)) to delete.")
            guard let root else { throw missing }
            return try repository.editTree(root, at: Self.folder(commit)[...]) { folder in
                guard folder.entry("\(service).json") != nil || folder.entry("\(service).folded") != nil else {
                    throw missing
                }
                for file in ["\(service).json", "\(service).folded"] where folder.entry(file) != nil {
                    try folder.remove(file)
                }
            }
        }
    }

    public func index(service: String) throws -> BaselineIndex {
        try BaselineKey.checkService(service)
        guard let root = try rootTree("Reading \(reference)") else {
            return BaselineIndex(storeHasBaselines: false) { _ in false }
        }
        let file = "\(service).json"
        return BaselineIndex(storeHasBaselines: true) { commit in
            guard ObjectID.isFullHex(commit) else { return false }
            do {
                return try root.entry(atPath: Self.path(commit.lowercased(), file)) != nil
            } catch let error as GitError {
                throw FlameGraphError.git(error, while: "Reading \(self.reference)", kind: .badInput)
            }
        }
    }

    /// `findBaseline(service:startingAt:maxDepth:in:)` in this store's own repository.
    public func findBaseline(service: String, startingAt revision: BaselineRevision = .auto, maxDepth: Int = 200) throws
        -> BaselineMatch
    {
        try findBaseline(service: service, startingAt: revision, maxDepth: maxDepth, in: repository)
    }

    // MARK: Updating the reference

    /// The tree the reference's commit holds, or nil if the reference does not exist.
    private func rootTree(_ what: String) throws -> GitTree? {
        try gitStep(what, .badInput) {
            guard let tip = try repository.referenceTarget(reference) else { return nil }
            let tree = try repository.tree(try repository.treeID(ofCommit: tip))
            try checkIsStore(tree)
            return tree
        }
    }

    /// Refuses a reference moved onto something that is not a baseline store (a code commit): building
    /// on it would push the code's files along with the baselines.
    private func checkIsStore(_ tree: GitTree) throws {
        guard
            let foreign = tree.entries().first(where: {
                !($0.isTree && $0.name.count == 2 && $0.name.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            })
        else { return }
        throw FlameGraphError(
            .badInput,
            "\(reference) does not point at a baseline store (its commit holds '\(foreign.name)'): was it moved by hand? Point it back at its last baseline commit (git update-ref) or delete it"
        )
    }

    /// Commits the tree `edit` derives from the current one (nil if the ref does not exist yet) and moves
    /// the reference to it — if nobody else moved it meanwhile; otherwise reloads and tries again after
    /// a random pause that grows with each attempt.
    ///
    /// - Parameter time: the commit time; nil keeps the current tip's. Never earlier than the tip's,
    ///   so the chain's dates stay monotonic.
    private func update(message: String, time: Int64?, what: String, _ edit: (ObjectID?) throws -> ObjectID?) throws {
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...max(maxAttempts, 1) {
            let swapped: Bool = try gitStep(what, .cannotCreate) {
                let tip = try repository.referenceTarget(reference)
                let tipTree = try tip.map { id throws(GitError) in try repository.treeID(ofCommit: id) }
                if let tipTree { try checkIsStore(try repository.tree(tipTree)) }
                let tipTime = try tip.map { id throws(GitError) in try repository.commitTime(id) } ?? 0
                let newTree = try edit(tipTree) ?? repository.emptyTree()
                let signature = CommitSignature(
                    name: committerName, email: committerEmail, time: max(time ?? tipTime, tipTime))
                let commit = try repository.createCommit(
                    tree: newTree, parent: tip, message: message + "\n", signature: signature)
                return try repository.compareAndSwapReference(
                    reference, to: commit, expecting: tip, logMessage: "flame-graph: \(message)")
            }
            if swapped {
                lastAttempts = attempt
                return
            }
            // Jitter: up to 2^attempt ms (capped at 50 ms), so racing jobs spread out.
            let ceiling = UInt32(min(1 << min(attempt, 10), 50)) * 1000
            usleep(UInt32.random(in: 500...max(ceiling, 1000), using: &generator))
        }
        throw FlameGraphError(
            .cannotCreate,
            "\(what) failed: \(reference) kept changing under \(maxAttempts) attempts by other writers; try again.")
    }

    /// Runs libgit2 work, reporting its failures as `FlameGraphError`s of `kind`; our own errors pass through.
    private func gitStep<T>(_ what: String, _ kind: FlameGraphError.Kind, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GitError {
            throw FlameGraphError.git(error, while: what, kind: kind)
        }
    }
}
