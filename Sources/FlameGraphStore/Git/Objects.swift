import CLibGit2
import Foundation

/// Short-lived libgit2 objects: each is looked up, used inside a closure and freed on the way out.
extension Repository {
    func hasObject(_ id: ObjectID) throws(GitError) -> Bool {
        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, handle), "git_repository_odb")
        defer { git_odb_free(odb) }
        var raw = id.raw
        return git_odb_exists(odb, &raw) == 1
    }

    func withCommit<T>(_ id: ObjectID, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var raw = id.raw
        var commit: OpaquePointer?
        try gitCheck(git_commit_lookup(&commit, handle, &raw), "git_commit_lookup")
        guard let commit else { throw GitError(function: "git_commit_lookup", code: -1, message: "no commit returned") }
        defer { git_commit_free(commit) }
        return try body(commit)
    }

    /// The root tree of a commit.
    func treeID(ofCommit id: ObjectID) throws(GitError) -> ObjectID {
        try withCommit(id) { commit in ObjectID(git_commit_tree_id(commit).pointee) }
    }

    /// The committer time of a commit, in seconds since 1970.
    func commitTime(_ id: ObjectID) throws(GitError) -> Int64 {
        try withCommit(id) { commit in Int64(git_commit_time(commit)) }
    }

    /// Opens a tree for repeated lookups (see `GitTree`).
    func tree(_ id: ObjectID) throws(GitError) -> GitTree {
        var raw = id.raw
        var tree: OpaquePointer?
        try gitCheck(git_tree_lookup(&tree, handle, &raw), "git_tree_lookup")
        guard let tree else { throw GitError(function: "git_tree_lookup", code: -1, message: "no tree returned") }
        return GitTree(handle: tree)
    }

    /// A blob's content, copied out of libgit2's buffer.
    func blobBytes(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var raw = id.raw
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, handle, &raw), "git_blob_lookup")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// Writes `bytes` as a blob into the object database.
    func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var id = git_oid()
        let code = bytes.withUnsafeBytes { buffer in
            git_blob_create_from_buffer(&id, handle, buffer.baseAddress, buffer.count)
        }
        try gitCheck(code, "git_blob_create_from_buffer")
        return ObjectID(id)
    }

    /// Runs `body` with a tree builder that starts from the entries of `base` (or empty).
    func withTreeBuilder<T>(base: ObjectID?, _ body: (TreeBuilder) throws -> T) throws -> T {
        var source: GitTree?
        if let base { source = try tree(base) }
        var builder: OpaquePointer?
        try gitCheck(git_treebuilder_new(&builder, handle, source?.handle), "git_treebuilder_new")
        guard let builder else {
            throw GitError(function: "git_treebuilder_new", code: -1, message: "no builder returned")
        }
        defer { git_treebuilder_free(builder) }
        return try body(TreeBuilder(handle: builder))
    }

    /// A copy of the tree `base` (nil: empty) in which the subtree at `path` has been changed by `edit`.
    ///
    /// Missing subtrees on the way are created; subtrees left empty are removed. Returns nil when the
    /// result is empty.
    func editTree(_ base: ObjectID?, at path: ArraySlice<String>, _ edit: (TreeBuilder) throws -> Void) throws
        -> ObjectID?
    {
        try withTreeBuilder(base: base) { builder in
            if let name = path.first {
                let existing = builder.entry(name)
                if let existing, !existing.isTree {
                    throw GitError(
                        function: "git_treebuilder_get", code: -1,
                        message: "\(name) is a file where a folder was expected")
                }
                if let child = try editTree(existing?.id, at: path.dropFirst(), edit) {
                    try builder.insert(name, child, isTree: true)
                } else if existing != nil {
                    try builder.remove(name)
                }
            } else {
                try edit(builder)
            }
            return builder.count == 0 ? nil : try builder.write()
        }
    }

    /// Writes the empty tree.
    func emptyTree() throws -> ObjectID {
        try withTreeBuilder(base: nil) { try $0.write() }
    }

    /// Writes a commit of `tree` with at most one parent, without touching any reference.
    func createCommit(tree treeID: ObjectID, parent: ObjectID?, message: String, signature: CommitSignature)
        throws(GitError) -> ObjectID
    {
        var signaturePointer: UnsafeMutablePointer<git_signature>?
        try gitCheck(
            git_signature_new(&signaturePointer, signature.name, signature.email, git_time_t(signature.time), 0),
            "git_signature_new")
        defer { git_signature_free(signaturePointer) }
        let tree = try self.tree(treeID)
        var id = git_oid()
        if let parent {
            try withCommit(parent) { (parentCommit) throws(GitError) in
                var parents: [OpaquePointer?] = [parentCommit]
                let code = parents.withUnsafeMutableBufferPointer { buffer in
                    git_commit_create(
                        &id, handle, nil, signaturePointer, signaturePointer, nil, message, tree.handle, 1,
                        buffer.baseAddress)
                }
                try gitCheck(code, "git_commit_create")
            }
        } else {
            try gitCheck(
                git_commit_create(
                    &id, handle, nil, signaturePointer, signaturePointer, nil, message, tree.handle, 0, nil),
                "git_commit_create")
        }
        return ObjectID(id)
    }

    /// Points reference `name` at `new` only if it still points at `expected` (nil: only if it does not
    /// exist yet). Returns false when another writer got there first (the caller reloads and retries).
    func compareAndSwapReference(_ name: String, to new: ObjectID, expecting expected: ObjectID?, logMessage: String)
        throws(GitError) -> Bool
    {
        var reference: OpaquePointer?
        var target = new.raw
        let code: Int32
        if let expected {
            var current = expected.raw
            code = git_reference_create_matching(&reference, handle, name, &target, 1, &current, logMessage)
        } else {
            code = git_reference_create(&reference, handle, name, &target, 0, logMessage)
        }
        if code == 0 {
            git_reference_free(reference)
            return true
        }
        let error = GitError(
            function: expected == nil ? "git_reference_create" : "git_reference_create_matching", code: code)
        // Lost the race: the ref moved (EMODIFIED), appeared (EEXISTS) or is locked by the winner (ELOCKED).
        if error.isModified || error.isExisting || error.isLocked { return false }
        throw error
    }
}

/// Who and when, for the commits of the baseline chain.
struct CommitSignature {
    var name: String
    var email: String
    /// Seconds since 1970 (UTC).
    var time: Int64
}

/// A tree kept open for many lookups (the baseline walk probes one tree per candidate commit).
final class GitTree {
    let handle: OpaquePointer

    init(handle: OpaquePointer) { self.handle = handle }

    deinit { git_tree_free(handle) }

    /// The entry at a `/`-separated path, or nil if there is none.
    func entry(atPath path: String) throws(GitError) -> (id: ObjectID, isTree: Bool)? {
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, handle, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(code, "git_tree_entry_bypath")
        guard let entry else { return nil }
        defer { git_tree_entry_free(entry) }
        return (ObjectID(git_tree_entry_id(entry).pointee), git_tree_entry_type(entry) == GIT_OBJECT_TREE)
    }

    /// The direct entries, in git's order.
    func entries() -> [(name: String, id: ObjectID, isTree: Bool)] {
        let count = git_tree_entrycount(handle)
        var out: [(name: String, id: ObjectID, isTree: Bool)] = []
        out.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(handle, index) else { continue }
            out.append(
                (
                    String(cString: git_tree_entry_name(entry)),
                    ObjectID(git_tree_entry_id(entry).pointee),
                    git_tree_entry_type(entry) == GIT_OBJECT_TREE
                ))
        }
        return out
    }
}

/// A `git_treebuilder` borrowed for the duration of `Repository.withTreeBuilder`.
struct TreeBuilder {
    let handle: OpaquePointer

    var count: Int { git_treebuilder_entrycount(handle) }

    func entry(_ name: String) -> (id: ObjectID, isTree: Bool)? {
        guard let entry = git_treebuilder_get(handle, name) else { return nil }
        return (ObjectID(git_tree_entry_id(entry).pointee), git_tree_entry_type(entry) == GIT_OBJECT_TREE)
    }

    func insert(_ name: String, _ id: ObjectID, isTree: Bool) throws(GitError) {
        var raw = id.raw
        try gitCheck(
            git_treebuilder_insert(nil, handle, name, &raw, isTree ? GIT_FILEMODE_TREE : GIT_FILEMODE_BLOB),
            "git_treebuilder_insert")
    }

    func remove(_ name: String) throws(GitError) {
        try gitCheck(git_treebuilder_remove(handle, name), "git_treebuilder_remove")
    }

    func write() throws(GitError) -> ObjectID {
        var id = git_oid()
        try gitCheck(git_treebuilder_write(&id, handle), "git_treebuilder_write")
        return ObjectID(id)
    }
}
