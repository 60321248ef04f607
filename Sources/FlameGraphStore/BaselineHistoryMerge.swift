import CLibGit2
import FlameGraphCore

/// Reconciles two histories of the baseline reference — ours and a fetched copy of the remote's — so
/// that two CI runners that each saved baselines both keep theirs (`flame-graph baseline sync`).
///
/// Fast-forwards when one side contains the other; otherwise writes a merge commit (both tips as
/// parents) whose tree is the union of both: every `ab/cdef…/<service>.{folded,json}` of either side.
/// When both sides hold a baseline for the same commit and service with different bytes, the one saved
/// later (the `.json`'s `savedAt`) wins, its `.folded` and `.json` together. A baseline deleted on one
/// side and kept on the other comes back: union, not three-way merge — baselines are cheap to keep
/// and `baseline delete` can run again after a sync.
public enum BaselineHistoryMerge {
    public enum Outcome: Sendable, Equatable {
        /// Both sides are the same commit, or there is nothing on either side.
        case upToDate
        /// Ours contains theirs: push ours.
        case aheadOfRemote
        /// Theirs contains ours (or ours did not exist): ours now points at theirs, nothing to push.
        case fastForwarded
        /// Diverged: a merge commit now holds both; push it.
        case merged
    }

    /// Moves `reference` so that it contains `incoming`'s history (see the type's comment).
    public static func reconcile(_ repository: Repository, reference: String, incoming: String) throws -> Outcome {
        do {
            let ours = try repository.referenceTarget(reference)
            guard let theirs = try repository.referenceTarget(incoming) else {
                return ours == nil ? .upToDate : .aheadOfRemote
            }
            guard let ours else {
                return try swap(repository, reference, to: theirs, expecting: nil) ? .fastForwarded : .upToDate
            }
            if ours == theirs { return .upToDate }
            if try isAncestor(repository, theirs, of: ours) { return .aheadOfRemote }
            if try isAncestor(repository, ours, of: theirs) {
                return try swap(repository, reference, to: theirs, expecting: ours) ? .fastForwarded : .upToDate
            }
            let tree =
                try union(
                    repository, repository.treeID(ofCommit: ours), repository.treeID(ofCommit: theirs), depth: 0)
                ?? repository.emptyTree()
            let time = max(try repository.commitTime(ours), try repository.commitTime(theirs))
            let merge = try repository.createMergeCommit(
                tree: tree, parents: [ours, theirs], message: "merge baselines from \(incoming)\n",
                signature: CommitSignature(name: "flame-graph", email: "flame-graph@localhost", time: time))
            guard try swap(repository, reference, to: merge, expecting: ours) else {
                throw FlameGraphError(.cannotCreate, "\(reference) changed while merging; run baseline sync again")
            }
            return .merged
        } catch let error as GitError {
            throw FlameGraphError.git(error, while: "Merging \(incoming) into \(reference)", kind: .badInput)
        }
    }

    static func swap(_ r: Repository, _ name: String, to id: ObjectID, expecting: ObjectID?) throws -> Bool {
        try r.compareAndSwapReference(name, to: id, expecting: expecting, logMessage: "flame-graph: baseline sync")
    }

    static func isAncestor(_ r: Repository, _ a: ObjectID, of b: ObjectID) throws -> Bool {
        var commit = b.raw
        var ancestor = a.raw
        let code = git_graph_descendant_of(r.handle, &commit, &ancestor)
        guard code >= 0 else { throw GitError(function: "git_graph_descendant_of", code: code) }
        return code == 1
    }

    /// The union of two trees. Depth 0 is the root, 1 the two-digit fan-out, 2 a commit's folder.
    static func union(_ r: Repository, _ a: ObjectID?, _ b: ObjectID?, depth: Int) throws -> ObjectID? {
        guard let a else { return b }
        guard let b, a != b else { return a }
        let left = try r.tree(a).entries()
        let right = Dictionary(try r.tree(b).entries().map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        return try r.withTreeBuilder(base: a) { builder in
            if depth == 2 {
                try mergeServices(r, builder, left: left, right: right)
            } else {
                for (name, entry) in right {
                    guard let mine = left.first(where: { $0.name == name }) else {
                        try builder.insert(name, entry.id, isTree: entry.isTree)
                        continue
                    }
                    if mine.id != entry.id, mine.isTree, entry.isTree,
                        let merged = try union(r, mine.id, entry.id, depth: depth + 1)
                    {
                        try builder.insert(name, merged, isTree: true)
                    }
                }
            }
            return builder.count == 0 ? nil : try builder.write()
        }
    }

    /// One commit's folder: services only on the right are added; a service on both sides with
    /// different metadata takes the side saved later, `.folded` and `.json` together.
    static func mergeServices(
        _ r: Repository, _ builder: TreeBuilder, left: [(name: String, id: ObjectID, isTree: Bool)],
        right: [String: (name: String, id: ObjectID, isTree: Bool)]
    ) throws {
        for (name, entry) in right where name.hasSuffix(".json") {
            let service = String(name.dropLast(5))
            let folded = right["\(service).folded"]
            guard let mine = left.first(where: { $0.name == name }) else {
                try builder.insert(name, entry.id, isTree: false)
                if let folded { try builder.insert(folded.name, folded.id, isTree: false) }
                continue
            }
            guard mine.id != entry.id else { continue }
            let ourDate = try savedAt(r, mine.id)
            let theirDate = try savedAt(r, entry.id)
            if theirDate > ourDate {
                try builder.insert(name, entry.id, isTree: false)
                if let folded { try builder.insert(folded.name, folded.id, isTree: false) }
            }
        }
    }

    static func savedAt(_ r: Repository, _ blob: ObjectID) throws -> Double {
        let stored = try StoredRecord.decode(try r.blobBytes(blob), describing: "baseline metadata \(blob.hex)")
        return stored.metadata.savedAt.timeIntervalSince1970
    }
}

extension Repository {
    /// A commit with several parents (a merge), without touching any reference.
    func createMergeCommit(tree treeID: ObjectID, parents: [ObjectID], message: String, signature: CommitSignature)
        throws -> ObjectID
    {
        var signaturePointer: UnsafeMutablePointer<git_signature>?
        try gitCheck(
            git_signature_new(&signaturePointer, signature.name, signature.email, git_time_t(signature.time), 0),
            "git_signature_new")
        defer { git_signature_free(signaturePointer) }
        let tree = try self.tree(treeID)
        var handles: [OpaquePointer?] = []
        defer { for h in handles { git_commit_free(h) } }
        for parent in parents {
            var commit: OpaquePointer?
            var oid = parent.raw
            try gitCheck(git_commit_lookup(&commit, handle, &oid), "git_commit_lookup")
            handles.append(commit)
        }
        var id = git_oid()
        let code = handles.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(
                &id, handle, nil, signaturePointer, signaturePointer, nil, message, tree.handle, buffer.count,
                buffer.baseAddress)
        }
        try gitCheck(code, "git_commit_create")
        return ObjectID(id)
    }
}
