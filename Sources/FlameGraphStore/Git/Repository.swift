import CLibGit2
import FlameGraphCore
import Foundation

/// An open git repository: owns libgit2's `git_repository` handle and frees it when released.
///
/// Opened by discovery, like the git CLI: from a path inside a working tree, a linked worktree
/// (`git worktree add`) or a bare repository, upwards to the first `.git` (or git directory) found.
/// Not thread-safe: give each thread its own `Repository` (libgit2 handles are not `Sendable`).
public final class Repository {
    let handle: OpaquePointer

    /// Opens the repository that contains `path`, searching parent directories the way git does.
    ///
    /// - Parameters:
    ///   - path: a directory in the working tree, a worktree, or a (bare) git directory.
    ///   - ceilingDirectories: directories the upward search must not enter (like `GIT_CEILING_DIRECTORIES`).
    /// - Throws: `FlameGraphError(.notFound)` when there is no repository there.
    public init(discoveringFrom path: String = ".", ceilingDirectories: [String] = []) throws {
        GitLibrary.ensureInitialised()
        var repository: OpaquePointer?
        let ceiling = ceilingDirectories.isEmpty ? nil : ceilingDirectories.joined(separator: ":")
        let code = git_repository_open_ext(&repository, path, 0, ceiling)
        guard code == 0, let repository else {
            let error = GitError(function: "git_repository_open_ext", code: code)
            if error.isNotFound {
                throw FlameGraphError(
                    .notFound,
                    "\(path) is not inside a git repository (no .git found there or in any parent directory).")
            }
            throw FlameGraphError(.badInput, "Cannot open the git repository at \(path): \(error).")
        }
        handle = repository
    }

    deinit {
        git_repository_free(handle)
    }

    /// The git directory (`.git/`, `.git/worktrees/NAME/` for a linked worktree, or the bare repository).
    public var gitDirectory: String { String(cString: git_repository_path(handle)) }

    /// The directory shared by all worktrees: objects, refs, `shallow`.
    public var commonDirectory: String { String(cString: git_repository_commondir(handle)) }

    /// The working tree, or nil for a bare repository.
    public var workingDirectory: String? { git_repository_workdir(handle).map { String(cString: $0) } }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// Whether this is a shallow clone (history cut off at the commits listed in `shallow`).
    public var isShallow: Bool { git_repository_is_shallow(handle) == 1 }

    // MARK: Revisions

    /// The commit that `revision` names — anything `git rev-parse` accepts (`HEAD~3`, `main`,
    /// `v1.2`, `origin/main^2`, a short or full sha), peeled to a commit.
    ///
    /// - Throws: `FlameGraphError(.notFound)` if git cannot resolve it or it names no commit.
    public func resolveCommit(_ revision: String) throws -> String {
        try resolveCommitID(revision).hex
    }

    func resolveCommitID(_ revision: String) throws -> ObjectID {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, revision)
        guard code == 0, let object else {
            let error = GitError(function: "git_revparse_single", code: code)
            throw FlameGraphError(
                .notFound,
                "Unknown revision '\(revision)': git cannot resolve it in \(gitDirectory) (\(error.message)).")
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        let peeled = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
        guard peeled == 0, let commit else {
            throw FlameGraphError(.notFound, "Revision '\(revision)' does not name a commit.")
        }
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit).pointee)
    }

    /// The commit HEAD points to (also when detached).
    ///
    /// - Throws: `FlameGraphError(.notFound)` if HEAD has no commit yet.
    public func headCommit() throws -> String { try headCommitID().hex }

    func headCommitID() throws -> ObjectID {
        var id = git_oid()
        let code = git_reference_name_to_id(&id, handle, "HEAD")
        guard code == 0 else {
            let error = GitError(function: "git_reference_name_to_id", code: code)
            throw FlameGraphError(.notFound, "HEAD does not point to a commit in \(gitDirectory) (\(error.message)).")
        }
        return ObjectID(id)
    }

    /// The branch new work merges into: what `origin/HEAD` points to, else `main`, `origin/main`,
    /// `master`, `origin/master` — the first that exists. Nil if none does.
    public func defaultBranch() -> (name: String, commit: String)? {
        defaultBranchID().map { ($0.name, $0.commit.hex) }
    }

    func defaultBranchID() -> (name: String, commit: ObjectID)? {
        var candidates: [String] = []
        if let originHead = symbolicTarget(of: "refs/remotes/origin/HEAD") { candidates.append(originHead) }
        candidates += [
            "refs/heads/main", "refs/remotes/origin/main", "refs/heads/master", "refs/remotes/origin/master",
        ]
        for name in candidates {
            if let id = try? referenceTarget(name) {
                return (Self.shortName(name), id)
            }
        }
        return nil
    }

    /// `refs/heads/main` → `main`, `refs/remotes/origin/main` → `origin/main`.
    static func shortName(_ reference: String) -> String {
        for prefix in ["refs/heads/", "refs/remotes/"] where reference.hasPrefix(prefix) {
            return String(reference.dropFirst(prefix.count))
        }
        return reference
    }

    /// The target name of a symbolic reference, or nil if it does not exist or is direct.
    func symbolicTarget(of name: String) -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, name) == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
            let target = git_reference_symbolic_target(reference)
        else { return nil }
        return String(cString: target)
    }

    /// The object a reference resolves to (following symbolic references), or nil if it does not exist.
    func referenceTarget(_ name: String) throws(GitError) -> ObjectID? {
        var id = git_oid()
        let code = git_reference_name_to_id(&id, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(code, "git_reference_name_to_id")
        return ObjectID(id)
    }

    /// The best common ancestor of two commits, or nil if their histories never meet.
    public func mergeBase(_ a: String, _ b: String) throws -> String? {
        guard let idA = ObjectID(hex: a), let idB = ObjectID(hex: b) else {
            throw FlameGraphError(.usage, "mergeBase needs two full commit ids, got '\(a)' and '\(b)'.")
        }
        do {
            return try mergeBase(idA, idB)?.hex
        } catch {
            throw FlameGraphError.git(error, while: "Finding the merge-base of \(a) and \(b)", kind: .badInput)
        }
    }

    func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
        var out = git_oid()
        var one = a.raw, two = b.raw
        let code = git_merge_base(&out, handle, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(code, "git_merge_base")
        return ObjectID(out)
    }

    // MARK: History

    /// One step along the first-parent chain.
    public enum FirstParent: Equatable, Sendable {
        /// The first parent, present in the object database.
        case parent(String)
        /// A commit with no parents: a root — or, in a shallow clone, a commit listed as a boundary.
        case noParent
        /// The commit names a parent that is not in the object database (shallow history cut it off).
        case missing(String)
    }

    /// The first parent of `commit`.
    public func firstParent(of commit: String) throws -> FirstParent {
        guard let id = ObjectID(hex: commit) else {
            throw FlameGraphError(.usage, "firstParent(of:) needs a full commit id, got '\(commit)'.")
        }
        do {
            switch try firstParent(of: id) {
            case .parent(let p): return .parent(p.hex)
            case .noParent: return .noParent
            case .missing(let p): return .missing(p.hex)
            }
        } catch {
            throw FlameGraphError.git(error, while: "Reading commit \(commit)", kind: .badInput)
        }
    }

    enum FirstParentID {
        case parent(ObjectID)
        case noParent
        case missing(ObjectID)
    }

    func firstParent(of id: ObjectID) throws(GitError) -> FirstParentID {
        let parent: ObjectID? = try withCommit(id) { commit in
            guard git_commit_parentcount(commit) > 0, let parentID = git_commit_parent_id(commit, 0) else {
                return nil
            }
            return ObjectID(parentID.pointee)
        }
        guard let parent else { return .noParent }
        // Knowing the parent's id does not mean we have it: a shallow clone cuts history off there.
        return try hasObject(parent) ? .parent(parent) : .missing(parent)
    }

    /// The commits at which a shallow clone's history is cut off (`shallow` in the common directory).
    public func shallowBoundary() -> Set<String> {
        guard isShallow,
            let text = try? String(contentsOfFile: commonDirectory + "/shallow", encoding: .utf8)
        else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map { String($0).lowercased() }.filter(ObjectID.isFullHex))
    }
}
