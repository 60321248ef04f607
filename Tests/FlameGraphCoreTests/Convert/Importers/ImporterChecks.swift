import FlameGraphCore
import FlameGraphTestSupport
import Foundation
import XCTest

/// Checks the importer tests share: a V8 profile against the file read independently, an evented
/// speedscope file's span, and the bad-input contract. Running tools, fixtures and folded text come from
/// FlameGraphTestSupport.
enum ImporterChecks {
    /// Checks a V8 profile of the `hotLoop`/`coldLoop` workload against the file read independently
    /// (with `JSONSerialization`): one count per sample, and with `weightByTime` the time from the first
    /// sample to `endTime`. Returns the shares of the two functions.
    static func checkV8Profile(
        _ bytes: [UInt8], _ profile: Profile, name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (hot: Double, cold: Double) {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        // Bun writes endTime with a fraction: read every number as a Double.
        func numbers(_ key: String) throws -> [Double] {
            try XCTUnwrap((json[key] as? [NSNumber])?.map(\.doubleValue), "\(name): \(key)")
        }
        func number(_ key: String) throws -> Double {
            try XCTUnwrap((json[key] as? NSNumber)?.doubleValue, "\(name): \(key)")
        }
        let samples = try numbers("samples")
        let deltas = try numbers("timeDeltas")
        let start = try number("startTime")
        let end = try number("endTime")
        XCTAssertEqual(profile.unit, .samples, name, file: file, line: line)
        XCTAssertEqual(
            profile.totalWeight, Double(samples.count), "\(name): one count per sample", file: file, line: line)

        var options = CPUProfileOptions()
        options.weightByTime = true
        let (timed, _) = try CPUProfileDecoder.decode(bytes, sourceName: name, options: options)
        XCTAssertEqual(timed.unit, .microseconds, name, file: file, line: line)
        let span = end - start
        if deltas.allSatisfy({ $0 >= 0 }) && deltas.reduce(0, +) <= span {
            // Everything from the first sample to endTime: the span less the gap before the first sample.
            XCTAssertEqual(timed.totalWeight, span - deltas[0], accuracy: 1, name, file: file, line: line)
        }
        XCTAssertEqual(timed.totalWeight, span, accuracy: span * 0.05, name, file: file, line: line)

        options.dropIdle = true
        if let (busy, _) = try? CPUProfileDecoder.decode(bytes, sourceName: name, options: options) {
            XCTAssertLessThanOrEqual(busy.totalWeight, timed.totalWeight, name, file: file, line: line)
            let text = foldedText(busy)
            for idle in ["(idle)", "(program)", "(garbage collector)"] {
                XCTAssertFalse(text.contains(idle), "\(name): \(idle) left", file: file, line: line)
            }
        }
        let hot = weightShare(profile) { $0 == "hotLoop (workload.js:2)" }
        let cold = weightShare(profile) { $0 == "coldLoop (workload.js:3)" }
        return (hot, cold)
    }

    /// For a speedscope file of evented profiles (seconds) in which one frame stays open from each
    /// profile's first event to its last: the decoded total is the sum of those spans, in microseconds.
    static func checkEventedSpan(
        _ bytes: [UInt8], _ profile: Profile, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let profiles = try XCTUnwrap(json["profiles"] as? [[String: Any]])
        var span = 0.0
        var events = 0
        for p in profiles {
            XCTAssertEqual(p["type"] as? String, "evented", file: file, line: line)
            XCTAssertEqual(p["unit"] as? String, "seconds", file: file, line: line)
            let times = try XCTUnwrap(p["events"] as? [[String: Any]]).compactMap {
                ($0["at"] as? NSNumber)?.doubleValue
            }
            span += ((times.last ?? 0) - (times.first ?? 0)) * 1e6
            events += times.count
        }
        XCTAssertGreaterThan(span, 0, file: file, line: line)
        // Each interval is rounded to a thousandth of a microsecond.
        XCTAssertEqual(profile.totalWeight, span, accuracy: Double(events) * 0.001, file: file, line: line)
    }

    /// Decoding either succeeds or throws a bad-input `FlameGraphError`; anything else fails the test.
    static func assertBadInputOrSuccess(
        _ body: () throws -> Void, _ context: @autoclosure () -> String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        do {
            try body()
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, "\(context()): \(error.message)", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, context(), file: file, line: line)
        } catch {
            XCTFail("\(context()): unexpected error \(error)", file: file, line: line)
        }
    }

    /// The message of the bad-input error `body` throws (fails the test if it does not).
    static func badInputMessage(
        _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line
    ) -> String {
        do {
            try body()
            XCTFail("expected a bad-input error", file: file, line: line)
        } catch let error as FlameGraphError {
            XCTAssertEqual(error.kind, .badInput, error.message, file: file, line: line)
            return error.message
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return ""
    }
}
