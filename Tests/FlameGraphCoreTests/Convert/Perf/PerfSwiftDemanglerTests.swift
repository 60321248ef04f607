import XCTest

@testable import FlameGraphCore

/// Expected names are what `swift demangle --simplified` prints (the runtime demangler's form); the
/// toolchain test compares every symbol of a real binary, these pin the prefixes, suffixes and buffers.
final class PerfSwiftDemanglerTests: XCTestCase {
    static let cases: [(String, String)] = [
        // Functions, labels, modules.
        ("$s4main3fooyyF", "foo()"),
        ("$s4main3foo1aySi_tF", "foo(a:)"),
        ("$s4main3fooyySiKF", "foo(_:)"),
        ("$s4main3fooyyYaF", "foo()"),
        ("$s4main1AV1BO3bar1xySS_tF", "A.B.bar(x:)"),
        ("$sSa6appendyyxnF", "Array.append(_:)"),
        ("_$s4main3fooyyF", "foo()"),
        ("$S4main3fooyyF", "foo()"),
        ("$e4main3fooyyF", "foo()"),
        ("$s4main3fooyyF.cold", "foo()"),
        // perf's names for PLT stubs and versioned symbols.
        ("$ss6MirrorVMa@plt", "type metadata accessor for Mirror@plt"),
        ("$s4main3fooyyF@@V1", "foo()@@V1"),
        // Accessors, initializers, deinitializers, subscripts.
        ("$s4main5ShapeV4areaSdvg", "Shape.area.getter"),
        ("$s4main5ShapeV5widthSivs", "Shape.width.setter"),
        ("$s4main3BoxC5valueSivM", "Box.value.modify"),
        ("$s4main5ShapeV1w1hACSi_SitcfC", "Shape.init(w:h:)"),
        ("$s4main3BoxCfD", "Box.__deallocating_deinit"),
        ("$s4main1SVyS2icig", "S.subscript.getter"),
        (
            "$s20FoundationEssentials4DateV18validCalendarRangeSNyACGvau",
            "Date.validCalendarRange.unsafeMutableAddressor"
        ),
        // Closures, statics, operators, private names.
        ("$s4main3fooyyFyycfU_", "closure #1 in foo()"),
        ("$s20FoundationEssentials8TimeZoneV2eeoiySbAC_ACtFZ", "static TimeZone.== infix(_:_:)"),
        ("$sSD4KeysV2eeoiySbAByxq__G_ADtFZ", "static Dictionary.Keys.== infix(_:_:)"),
        ("$s4main4ListV4next33_0123456789ABCDEF0123456789ABCDEFLLSiSgyF", "List.next()"),
        // Thunks and specializations.
        ("$s4main3fooyyFTA", "partial apply for foo()"),
        ("$s4main3fooyySiFTf4n_g", "specialized foo(_:)"),
        ("$ss15__VaListBuilderCABycfCTj", "dispatch thunk of __VaListBuilder.__allocating_init()"),
        // Real frames from a Swift compiler profile (generated/collapse-perf/modern-dwarf.txt).
        (
            "$s3SIL11InstructionC9OptimizerE15isDeinitBarrierySbAD14CalleeAnalysisVF",
            "Instruction.isDeinitBarrier(_:)"
        ),
        (
            "$s9Optimizer19eliminateDeadStores2in_y3SIL8FunctionC_AA0G11PassContextVtF",
            "eliminateDeadStores(in:_:)"
        ),
        (
            "$s9Optimizer14CalleeAnalysisV8registeryyFZSbSo18BridgedInstructionV_So0ebC0VtcfU_To",
            "@objc closure #1 in static CalleeAnalysis.register()"
        ),
        (
            "$s9Optimizer15destroyHoistingAA12FunctionPassVvpfiy3SIL0D0C_AA0dE7ContextVtcfU_",
            "closure #1 in variable initialization expression of destroyHoisting"
        ),
        ("$s3SIL8WorklistVyACyxGqd__cAA7ContextRd__lufC", "Worklist.init<A>(_:)"),
        ("$s3SIL5ValuePAAE9ownershipAA9OwnershipOvg", "Value.ownership.getter"),
        (
            "$sSTsE8contains5whereS2b7ElementQzKXE_tKF3SIL14StackWithCountVyAE11InstructionCG_Tg5",
            "specialized Sequence.contains(where:)"
        ),
        (
            "$s9Optimizer12EscapeWalker33_92D5D300A4CB692EFB36752C5263D692LLV8walkDown5value4path3SIL10WalkResultOAH7OperandV_AA0B12UtilityTypesV0B4PathVtFAA21EscapesToValueVisitor33_43D95B847B4956081B7FA06780CEABD6LLV_Tg5Tm",
            "specialized EscapeWalker.walkDown(value:path:)"
        ),
        (
            "$s3SIL14ProjectedValueV9OptimizerE10isEscaping5using23initialWalkingDirection16complexityBudget_Sbx_AD18EscapeUtilityTypesV0iJ0OSiq_tAD0M7VisitorRzAA7ContextR_r0_lFAD020EscapesToInstructionP033_99B5D895DD1B8AE78717FEFFF84512DELLV_AD012FunctionPassQ0VTg5",
            "specialized ProjectedValue.isEscaping<A, B>(using:initialWalkingDirection:complexityBudget:_:)"
        ),
    ]

    func testKnownSymbols() {
        for (mangled, expected) in Self.cases {
            XCTAssertEqual(SwiftDemangler.demangle(mangled), expected, mangled)
        }
    }

    func testNonSwiftAndUndemanglableSymbolsAreLeftAlone() {
        for symbol in [
            "main", "$s", "$sX", "_ZN3foo3barEv", "_T0", "$s99main", "$s4mainMn", "$s4main3fooyyF\u{e9}",
            "$s00main3fooyyF", "$LT$foo", "$s4main3fooyyFTf", "$s4main3fooyyFTf@plt", "@plt", "main@plt",
        ] {
            XCTAssertNil(SwiftDemangler.demangle(symbol), symbol)
        }
    }

    /// A name longer than the first (stack) buffer is demangled again into one of the size the runtime
    /// asks for; past the limit the symbol stays mangled.
    func testLongNamesAreWholeAndOverLongSymbolsStayMangled() {
        for length in [1021, 1022, 1023, 1024, 5000] {
            let identifier = String(repeating: "a", count: length)
            XCTAssertEqual(SwiftDemangler.demangle("$s4main\(length)\(identifier)yyF"), identifier + "()", "\(length)")
        }
        let huge = String(repeating: "b", count: SwiftDemangler.maxSymbolLength)
        XCTAssertNil(SwiftDemangler.demangle("$s4main\(huge.count)\(huge)yyF"))
    }
}
