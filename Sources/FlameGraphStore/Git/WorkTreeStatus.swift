import CLibGit2
import FlameGraphCore

extension Repository {
    /// Paths of tracked files that differ from HEAD in the index or the working tree (untracked files
    /// do not count, as with `git describe --dirty`). Empty for a clean tree or a bare repository.
    /// A baseline captured from such a tree measured code that is not the commit it is keyed by.
    public func modifiedTrackedFiles(limit: Int = 10) throws -> [String] {
        guard !isBare else { return [] }
        var options = git_status_options()
        try gitCheck(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "git_status_options_init")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        do {
            try gitCheck(git_status_list_new(&list, handle, &options), "git_status_list_new")
        } catch {
            throw FlameGraphError.git(error, while: "Reading the work tree's status", kind: .badInput)
        }
        defer { git_status_list_free(list) }
        var paths: [String] = []
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i), entry.pointee.status != GIT_STATUS_CURRENT else { continue }
            let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
            if let path = delta?.pointee.new_file.path { paths.append(String(cString: path)) }
            if paths.count >= limit { break }
        }
        return paths
    }
}
