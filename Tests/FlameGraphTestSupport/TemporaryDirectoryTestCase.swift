import Foundation
import XCTest

/// A test case with a fresh temporary directory for each test (`dir`), removed after it, and helpers to
/// write and read files there.
open class TemporaryDirectoryTestCase: XCTestCase {
    public var dir = ""

    open override func setUpWithError() throws {
        try super.setUpWithError()
        dir = try makeTemporaryDirectory()
    }

    open override func tearDownWithError() throws {
        removeTemporaryDirectory(dir)
        try super.tearDownWithError()
    }

    /// Writes `text` to `dir/name` and returns its path.
    public func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The text of `dir/name`.
    public func read(_ name: String) throws -> String {
        try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
    }
}
