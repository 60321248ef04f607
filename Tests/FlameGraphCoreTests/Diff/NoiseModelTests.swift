import FlameGraphCore
import XCTest

/// The noise estimate's two rules (docs/GATE.md, "The noise model"): cells count by their share, and
/// the measurement is shrunk towards φ₀ plus the session term, never has the session term added on top.
final class NoiseModelTests: XCTestCase {
    /// A side of 2,000 samples: four big stacks in fixed proportions plus three rare "torn" stacks
    /// (a sampler's artefact) whose rate is `torn` samples each.
    func side(big: [Double], torn: Double) -> Profile {
        var p = Profile()
        for (i, share) in big.enumerated() {
            p.add(frames: ["main", "f\(i)", "spin"], weight: share * (2000 - 3 * torn))
        }
        for name in ["g0", "g1", "g2"] { p.add(frames: ["main", name, "f0", "spin"], weight: torn) }
        return p
    }

    func testRareCellsThatDifferWildlyDoNotSetTheNoiseOfTheBigOnes() throws {
        let big = [0.4, 0.3, 0.2, 0.1]
        // The big stacks agree exactly; the torn ones go from 8 to 40 samples each (0.4 % → 2 %).
        let cells = try XCTUnwrap(
            StackCells.pearson(
                before: [side(big: big, torn: 8)], after: [side(big: big, torn: 40)], excluding: nil, minExpected: 5))
        let phi = cells.chi2 / cells.df
        // Counted equally, the three rare cells would make χ²/df ≈ 11; weighted by share they
        // are 6 % of the weight.
        XCTAssertLessThan(phi, 2.5, "φ from share-weighted cells: \(phi)")
        XCTAssertGreaterThan(phi, 0.5)
        // Effective cells: about three of the seven (Kish), minus one.
        XCTAssertEqual(cells.df, 2.6, accuracy: 0.3)
        // The big stacks disagreeing is what raises it.
        let moved = try XCTUnwrap(
            StackCells.pearson(
                before: [side(big: big, torn: 8)], after: [side(big: [0.34, 0.36, 0.2, 0.1], torn: 8)],
                excluding: nil, minExpected: 5))
        XCTAssertGreaterThan(moved.chi2 / moved.df, 5)
    }

    func testTheMeasurementIsShrunkTowardsThePriorThatHoldsTheSessionTerm() {
        var settings = NoiseModel.Settings()
        settings.defaultDispersion = 1.5
        settings.sessionVariance = 0.001
        settings.priorDegrees = 8
        // 1,000 samples a side: the session term is 2κ / (1/1000 + 1/1000) = 1, so the prior is 2.5.
        let calm = NoiseModel.estimate(
            between: (chi2: 2, df: 2), replicates: [], settings: settings, nb: 1000, na: 1000)
        XCTAssertEqual(calm.effective, (8 * 2.5 + 2) / 10, accuracy: 1e-12)
        XCTAssertEqual(calm.measured, 1)
        XCTAssertEqual(calm.prior, 2.5, accuracy: 1e-12)
        XCTAssertEqual(calm.session, 1, accuracy: 1e-12)
        XCTAssertTrue(calm.betweenSides)
        XCTAssertFalse(calm.usesDefault)
        XCTAssertTrue(calm.description.contains("1.00 between the sides on 2 df"), calm.description)
        XCTAssertTrue(calm.description.contains("1.50 + 1.00 on 8 df"), calm.description)
        // A comparison that measures a lot of noise moves φ towards what it measured…
        let noisy = NoiseModel.estimate(
            between: (chi2: 40, df: 4), replicates: [], settings: settings, nb: 1000, na: 1000)
        XCTAssertEqual(noisy.effective, (8 * 2.5 + 40) / 12, accuracy: 1e-12)
        // …and more samples raise the prior (the session term does not shrink), never below 1.
        let more = NoiseModel.estimate(
            between: (chi2: 2, df: 2), replicates: [], settings: settings, nb: 10000, na: 10000)
        XCTAssertEqual(more.effective, (8 * 11.5 + 2) / 10, accuracy: 1e-12)
        settings.sessionVariance = 0
        settings.defaultDispersion = 1
        let floor = NoiseModel.estimate(
            between: (chi2: 0, df: 6), replicates: [], settings: settings, nb: 100, na: 100)
        XCTAssertEqual(floor.effective, 1)
        // Nothing between the sides: the conservative value plus the session term, and it says so.
        let none = NoiseModel.estimate(between: nil, replicates: [], settings: settings, nb: 100, na: 100)
        XCTAssertTrue(none.usesDefault)
        XCTAssertNil(none.measured)
        XCTAssertEqual(none.effective, settings.unmeasuredDispersion)
        settings.sessionVariance = 0.001
        let withSession = NoiseModel.estimate(between: nil, replicates: [], settings: settings, nb: 1000, na: 1000)
        XCTAssertEqual(withSession.effective, settings.unmeasuredDispersion + 1, accuracy: 1e-12)
    }
}
