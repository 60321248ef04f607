import XCTest

@testable import FlameGraphCore

/// Expected names were checked against `swift demangle` (its declaration part, with the module
/// kept and generic parameter clauses left out, as this demangler prints).
final class PerfSwiftDemanglerTests: XCTestCase {
    static let cases: [(String, String)] = [
        // Functions, labels, modules.
        ("$s4main3fooyyF", "main.foo()"),
        ("$s4main3foo1aySi_tF", "main.foo(a:)"),
        ("$s4main3fooyySiKF", "main.foo(_:)"),
        ("$s4main3fooyyYaF", "main.foo()"),
        ("$s4main1AV1BO3bar1xySS_tF", "main.A.B.bar(x:)"),
        ("$sSa6appendyyxnF", "Swift.Array.append(_:)"),
        ("_$s4main3fooyyF", "main.foo()"),
        ("$S4main3fooyyF", "main.foo()"),
        // Accessors, initializers, deinitializers, subscripts.
        ("$s4main5ShapeV4areaSdvg", "main.Shape.area.getter"),
        ("$s4main5ShapeV5widthSivs", "main.Shape.width.setter"),
        ("$s4main3BoxC5valueSivM", "main.Box.value.modify"),
        ("$s4main5ShapeV1w1hACSi_SitcfC", "main.Shape.init(w:h:)"),
        ("$s4main3BoxCfD", "main.Box.__deallocating_deinit"),
        ("$s4main1SVyS2icig", "main.S.subscript.getter"),
        (
            "$s20FoundationEssentials4DateV18validCalendarRangeSNyACGvau",
            "FoundationEssentials.Date.validCalendarRange.unsafeMutableAddressor"
        ),
        // Closures, statics, operators, private names.
        ("$s4main3fooyyFyycfU_", "closure #1 in main.foo()"),
        ("$s20FoundationEssentials8TimeZoneV2eeoiySbAC_ACtFZ", "static FoundationEssentials.TimeZone.== infix(_:_:)"),
        ("$sSD4KeysV2eeoiySbAByxq__G_ADtFZ", "static Swift.Dictionary.Keys.== infix(_:_:)"),
        ("$s4main4ListV4next33_0123456789ABCDEF0123456789ABCDEFLLSiSgyF", "main.List.next()"),
        // Thunks and specializations.
        ("$s4main3fooyyFTA", "partial apply for main.foo()"),
        ("$s4main3fooyySiFTf4n_g", "specialized main.foo(_:)"),
        ("$ss15__VaListBuilderCABycfCTj", "dispatch thunk of Swift.__VaListBuilder.__allocating_init()"),
        // Real frames from a Swift compiler profile (generated/collapse-perf/modern-dwarf.txt).
        (
            "$s3SIL11InstructionC9OptimizerE15isDeinitBarrierySbAD14CalleeAnalysisVF",
            "SIL.Instruction.isDeinitBarrier(_:)"
        ),
        (
            "$s9Optimizer19eliminateDeadStores2in_y3SIL8FunctionC_AA0G11PassContextVtF",
            "Optimizer.eliminateDeadStores(in:_:)"
        ),
        (
            "$s9Optimizer14CalleeAnalysisV8registeryyFZSbSo18BridgedInstructionV_So0ebC0VtcfU_To",
            "@objc closure #1 in static Optimizer.CalleeAnalysis.register()"
        ),
        (
            "$s9Optimizer15destroyHoistingAA12FunctionPassVvpfiy3SIL0D0C_AA0dE7ContextVtcfU_",
            "closure #1 in variable initialization expression of Optimizer.destroyHoisting"
        ),
        ("$s3SIL8WorklistVyACyxGqd__cAA7ContextRd__lufC", "SIL.Worklist.init(_:)"),
        ("$s3SIL5ValuePAAE9ownershipAA9OwnershipOvg", "SIL.Value.ownership.getter"),
        (
            "$sSTsE8contains5whereS2b7ElementQzKXE_tKF3SIL14StackWithCountVyAE11InstructionCG_Tg5",
            "specialized Swift.Sequence.contains(where:)"
        ),
        (
            "$s9Optimizer12EscapeWalker33_92D5D300A4CB692EFB36752C5263D692LLV8walkDown5value4path3SIL10WalkResultOAH7OperandV_AA0B12UtilityTypesV0B4PathVtFAA21EscapesToValueVisitor33_43D95B847B4956081B7FA06780CEABD6LLV_Tg5Tm",
            "specialized Optimizer.EscapeWalker.walkDown(value:path:)"
        ),
        (
            "$s3SIL14ProjectedValueV9OptimizerE10isEscaping5using23initialWalkingDirection16complexityBudget_Sbx_AD18EscapeUtilityTypesV0iJ0OSiq_tAD0M7VisitorRzAA7ContextR_r0_lFAD020EscapesToInstructionP033_99B5D895DD1B8AE78717FEFFF84512DELLV_AD012FunctionPassQ0VTg5",
            "specialized SIL.ProjectedValue.isEscaping(using:initialWalkingDirection:complexityBudget:_:)"
        ),
    ]

    func testKnownSymbols() {
        for (mangled, expected) in Self.cases {
            XCTAssertEqual(SwiftDemangler.demangle(mangled), expected, mangled)
        }
    }

    func testNonSwiftAndUnsupportedSymbolsAreLeftAlone() {
        for symbol in [
            "main", "$s", "$sX", "_ZN3foo3barEv", "$s4main", "$s4main3fooyy", "$s99main", "$s4mainMn",
            "$s4main3fooyyF\u{e9}", "$s00main3fooyyF", "$LT$foo",
        ] {
            XCTAssertNil(SwiftDemangler.demangle(symbol), symbol)
        }
    }

    /// Every prefix and single-byte mutation of real symbols either demangles or returns nil.
    func testMangledGarbageNeverCrashes() {
        var rng = SeededRandom(seed: 42)
        let alphabet = Array("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$".utf8)
        for (mangled, _) in Self.cases {
            let bytes = Array(mangled.utf8)
            for cut in 0...bytes.count {
                _ = SwiftDemangler.demangle(String(decoding: bytes[..<cut], as: UTF8.self))
            }
            for _ in 0..<300 {
                var m = bytes
                let k = 2 + Int(rng.next() % UInt64(max(m.count - 2, 1)))
                if k < m.count { m[k] = alphabet[Int(rng.next() % UInt64(alphabet.count))] }
                if rng.next() % 4 == 0, k < m.count { m.insert(alphabet[Int(rng.next() % 64)], at: k) }
                _ = SwiftDemangler.demangle(String(decoding: m, as: UTF8.self))
            }
        }
        for _ in 0..<3000 {
            var m = Array("$s".utf8)
            for _ in 0..<(Int(rng.next() % 60)) { m.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            _ = SwiftDemangler.demangle(String(decoding: m, as: UTF8.self))
        }
    }
}
