import CLibGit2
import FlameGraphCore

/// A libgit2 call that failed: which C function, its return code and libgit2's own explanation.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `git_revparse_single`.
    public var function: String
    /// Its return code (a negative `git_error_code`, e.g. -3 for `GIT_ENOTFOUND`).
    public var code: Int32
    /// `git_error_last()`'s message at the time of the failure (empty if libgit2 gave none).
    public var message: String

    public init(function: String, code: Int32, message: String) {
        self.function = function
        self.code = code
        self.message = message
    }

    /// Captures the thread's last libgit2 error for a call that returned `code`.
    init(function: String, code: Int32) {
        var text = ""
        if let last = git_error_last(), let cMessage = last.pointee.message {
            text = String(cString: cMessage)
        }
        self.init(function: function, code: code, message: text)
    }

    public var description: String {
        message.isEmpty ? "\(function) failed (\(code))" : "\(function) failed (\(code)): \(message)"
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }
    public var isExisting: Bool { code == GIT_EEXISTS.rawValue }
}

/// Throws a `GitError` naming `function` unless `code` is 0 or positive (libgit2's success values).
@inline(__always)
func gitCheck(_ code: Int32, _ function: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError(function: function(), code: code) }
}

extension FlameGraphError {
    /// A libgit2 failure reported in the tool's own categories, prefixed with what we were doing.
    static func git(_ error: GitError, while doing: String, kind: Kind) -> FlameGraphError {
        FlameGraphError(kind, "\(doing) failed: \(error)")
    }
}
