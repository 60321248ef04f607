import Foundation
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Fails the test unless `text` is well-formed XML (an SVG, a JUnit report), naming the parser's error.
public func assertWellFormedXML(
    _ text: String, _ context: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    assertWellFormedXML(Data(text.utf8), context(), file: file, line: line)
}

/// The same for bytes as written, before any decoding could repair them.
public func assertWellFormedXML(
    _ bytes: Data, _ context: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    let parser = XMLParser(data: bytes)
    let ok = parser.parse()
    XCTAssertTrue(
        ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "") — \(context())", file: file, line: line)
}
