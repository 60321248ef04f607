import Foundation

/// A fresh temporary directory, removed by the caller.
public func makeTemporaryDirectory(_ name: String = "flame-graph-test") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

/// Removes a directory made by `makeTemporaryDirectory`, ignoring errors (it may be gone already).
public func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
