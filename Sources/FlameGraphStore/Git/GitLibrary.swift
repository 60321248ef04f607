import CLibGit2

/// libgit2's global state, set up once per process.
///
/// `git_libgit2_init` must run before any other libgit2 call. A global `let` is initialised lazily and
/// exactly once (Swift guards it with `swift_once`), so every entry point just touches it. libgit2 is
/// never shut down: a process-lifetime library costs nothing to keep and is unsafe to tear down while
/// another thread still holds a handle.
private let libgit2Initialisation: Int32 = git_libgit2_init()

enum GitLibrary {
    /// Makes sure libgit2 is initialised; cheap after the first call.
    static func ensureInitialised() {
        _ = libgit2Initialisation
    }
}
