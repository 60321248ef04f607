import FlameGraphCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Baselines in plain folders (`--store DIR`), for when they should not live in git:
///
///     DIR/<commit-sha>/<service>.folded
///     DIR/<commit-sha>/<service>.json
///
/// Every file is written to a temporary file in the same folder and renamed into place, so a reader
/// never sees half a file. The `.json` is written last and removed first: a baseline exists when its
/// `.json` does. Saves of different (commit, service) pairs may run concurrently; two forced saves of
/// the same pair race and the last rename wins.
public struct DirectoryStore: BaselineStore {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    func folder(_ commit: String) -> String { "\(directory)/\(commit)" }

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
        let folder = folder(commit)
        if !force, exists("\(folder)/\(service).json") {
            throw FlameGraphError(
                .usage,
                "A baseline for service '\(service)' at commit \(commit.prefix(12)) already exists in \(directory); pass --force (baseline save) or --replace-baseline (capture commands) to replace it."
            )
        }
        try makeDirectories(folder)
        try Self.writeAtomically(folded, to: "\(folder)/\(service).folded")
        try Self.writeAtomically(json, to: "\(folder)/\(service).json")
        return record
    }

    public func load(service: String, commit: String) throws -> Baseline {
        try BaselineKey.checkService(service)
        let commit = try BaselineKey.normaliseCommit(commit)
        let base = "\(folder(commit))/\(service)"
        guard exists(base + ".json"), exists(base + ".folded") else {
            throw FlameGraphError(
                .notFound, "No baseline for service '\(service)' at commit \(commit.prefix(12)) in \(directory).")
        }
        let stored = try StoredRecord.decode(try Self.readFile(base + ".json"), describing: base + ".json")
        return Baseline(record: stored.record, folded: try Self.readFile(base + ".folded"))
    }

    public func list(service: String?) throws -> [BaselineRecord] {
        if let service { try BaselineKey.checkService(service) }
        var records: [BaselineRecord] = []
        for commit in try Self.names(in: directory) where ObjectID.isFullHex(commit) && commit == commit.lowercased() {
            for file in try Self.names(in: folder(commit)) where file.hasSuffix(".json") && !file.hasPrefix(".") {
                let name = String(file.dropLast(5))
                if let service, name != service { continue }
                let path = "\(folder(commit))/\(file)"
                let stored = try StoredRecord.decode(try Self.readFile(path), describing: path)
                records.append(BaselineRecord(service: name, commit: commit, metadata: stored.metadata))
            }
        }
        return records.sorted(by: BaselineRecord.newestFirst)
    }

    public func delete(service: String, commit: String) throws {
        try BaselineKey.checkService(service)
        let commit = try BaselineKey.normaliseCommit(commit)
        let base = "\(folder(commit))/\(service)"
        guard exists(base + ".json") || exists(base + ".folded") else {
            throw FlameGraphError(
                .notFound,
                "No baseline for service '\(service)' at commit \(commit.prefix(12)) in \(directory) to delete.")
        }
        for path in [base + ".json", base + ".folded"] where unlink(path) != 0 && errno != ENOENT {
            throw FlameGraphError(.cannotCreate, "Cannot remove \(path): \(Self.lastError()).")
        }
        rmdir(folder(commit))  // Only succeeds once the folder is empty; other services' files keep it.
    }

    public func index(service: String) throws -> BaselineIndex {
        try BaselineKey.checkService(service)
        let file = "\(service).json"
        return BaselineIndex(storeHasBaselines: exists(directory)) { commit in
            ObjectID.isFullHex(commit) && exists("\(folder(commit.lowercased()))/\(file)")
        }
    }

    // MARK: Files

    private func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    private func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FlameGraphError(.cannotCreate, "Cannot create the folder \(prefix): \(Self.lastError()).")
            }
        }
    }

    /// Writes `bytes` to a fresh temporary file next to `path`, flushes it to disk and renames it over `path`.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temporary = "\(path[..<slash]).\(path[slash...]).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FlameGraphError(.cannotCreate, "Cannot create \(temporary): \(lastError()).") }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = lastError()
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = lastError() }
        if close(fd) != 0, failure == nil { failure = lastError() }
        if failure == nil, rename(temporary, path) != 0 { failure = lastError() }
        if let failure {
            unlink(temporary)
            throw FlameGraphError(.cannotCreate, "Cannot write \(path): \(failure).")
        }
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let kind: FlameGraphError.Kind = errno == ENOENT ? .notFound : .badInput
            throw FlameGraphError(kind, "Cannot read \(path): \(lastError()).")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FlameGraphError(.badInput, "Cannot read \(path): \(lastError()).") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while true {
            if offset == bytes.count { bytes.append(contentsOf: repeatElement(0, count: 65536)) }  // grew meanwhile
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if got < 0 {
                if errno == EINTR { continue }
                throw FlameGraphError(.badInput, "Cannot read \(path): \(lastError()).")
            }
            if got == 0 { break }
            offset += got
        }
        bytes.removeSubrange(offset...)
        return bytes
    }

    /// Entry names of a folder (none if it does not exist), sorted.
    static func names(in path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw FlameGraphError(.badInput, "Cannot list \(path): \(lastError()).")
        }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
