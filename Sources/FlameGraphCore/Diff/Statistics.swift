/// The statistics behind the gate: one-sided tests that a frame's share of samples grew.
///
/// Implemented here (no numerics dependency): the normal CDF through `erfc`, and Student's t CDF through
/// the regularised incomplete beta function (continued fraction, as in every numerics text).
public enum Statistics {
    /// P(Z > z) for a standard normal Z.
    public static func normalUpperTail(_ z: Double) -> Double { 0.5 * erfcApprox(z / 2.squareRoot()) }

    /// One-sided two-proportion z-test: the p-value for "the share grew from k1/n1 to k2/n2".
    public static func proportionIncreasePValue(k1: Double, n1: Double, k2: Double, n2: Double) -> Double {
        guard n1 > 0, n2 > 0 else { return 1 }
        let p1 = k1 / n1, p2 = k2 / n2
        let pooled = (k1 + k2) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return p2 > p1 ? 0 : 1 }
        return normalUpperTail((p2 - p1) / variance.squareRoot())
    }

    /// One-sided Welch t-test: the p-value for "the mean grew from `before` to `after`" (≥ 2 values each).
    public static func welchIncreasePValue(before: [Double], after: [Double]) -> Double {
        guard before.count >= 2, after.count >= 2 else { return 1 }
        let (m1, v1) = meanVariance(before), (m2, v2) = meanVariance(after)
        let s1 = v1 / Double(before.count), s2 = v2 / Double(after.count)
        let se2 = s1 + s2
        guard se2 > 0 else { return m2 > m1 ? 0 : 1 }
        let t = (m2 - m1) / se2.squareRoot()
        let df =
            se2 * se2
            / ((s1 * s1) / Double(before.count - 1) + (s2 * s2) / Double(after.count - 1))
        return studentUpperTail(t, df: df.isFinite && df > 0 ? df : Double(before.count + after.count - 2))
    }

    /// The z with P(Z ≤ z) = `p` (bisection on the tail; 1e-10 is plenty for decisions and reports).
    public static func normalQuantile(_ p: Double) -> Double {
        quantile(p) { normalUpperTail($0) }
    }

    /// The t with P(T ≤ t) = `p` for Student's t with `df` degrees of freedom.
    public static func studentQuantile(_ p: Double, df: Double) -> Double {
        quantile(p) { studentUpperTail($0, df: df) }
    }

    static func quantile(_ p: Double, upperTail: (Double) -> Double) -> Double {
        guard p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var lo = -1e3, hi = 1e3
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if 1 - upperTail(mid) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-10 { break }
        }
        return (lo + hi) / 2
    }

    public static func meanVariance(_ xs: [Double]) -> (Double, Double) {
        let n = Double(xs.count)
        let mean = xs.reduce(0, +) / n
        let ss = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, xs.count > 1 ? ss / (n - 1) : 0)
    }

    /// P(T > t) for Student's t with `df` degrees of freedom.
    public static func studentUpperTail(_ t: Double, df: Double) -> Double {
        let x = df / (df + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: df / 2, b: 0.5)
        return t >= 0 ? tail : 1 - tail
    }

    /// I_x(a, b), by Lentz's continued fraction.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgammaApprox(a + b) - lgammaApprox(a) - lgammaApprox(b) + a * logApprox(x) + b * logApprox(1 - x)
        let front = expApprox(lnFront)
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var f = 1.0, c = 1.0, d = 0.0
        for i in 0...400 {
            let m = Double(i / 2)
            let numerator: Double
            if i == 0 {
                numerator = 1
            } else if i % 2 == 0 {
                numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
            } else {
                numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
            }
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            d = 1 / d
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            let cd = c * d
            f *= cd
            if abs(1 - cd) < 1e-12 { break }
        }
        return front * (f - 1) / a
    }

    // Elementary functions without Foundation (the core imports none).

    static func expApprox(_ x: Double) -> Double {
        if x < -745 { return 0 }
        if x > 709 { return .infinity }
        // e^x = 2^k · e^r, |r| ≤ ln2/2, then a Taylor series for e^r.
        let ln2 = 0.693_147_180_559_945_3
        let k = (x / ln2).rounded()
        let r = x - k * ln2
        var term = 1.0, sum = 1.0
        for n in 1...25 {
            term *= r / Double(n)
            sum += term
            if abs(term) < 1e-17 * abs(sum) { break }
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
    }

    static func logApprox(_ x: Double) -> Double {
        guard x > 0 else { return -.infinity }
        // x = m · 2^e with m in [1, 2); ln m through atanh series.
        let e = Double(x.exponent)
        let m = x.significand
        let t = (m - 1) / (m + 1), t2 = t * t
        var term = t, sum = 0.0, k = 1.0
        for _ in 0..<60 {
            sum += term / k
            term *= t2
            k += 2
            if abs(term) < 1e-18 { break }
        }
        return 2 * sum + e * 0.693_147_180_559_945_3
    }

    /// ln Γ(x) for x > 0 (Lanczos, g = 7).
    static func lgammaApprox(_ x: Double) -> Double {
        let g = 7.0
        let coefficients: [Double] = [
            0.999_999_999_999_809_93, 676.520_368_121_885_1, -1259.139_216_722_402_8, 771.323_428_777_653_13,
            -176.615_029_162_140_59, 12.507_343_278_686_905, -0.138_571_095_265_720_12,
            9.984_369_578_019_571_6e-6, 1.505_632_735_149_311_6e-7,
        ]
        if x < 0.5 {
            // Reflection: Γ(x)Γ(1-x) = π / sin(πx); only needed for tiny x here.
            return logApprox(Double.pi / abs(sinApprox(Double.pi * x))) - lgammaApprox(1 - x)
        }
        let xm = x - 1
        var a = coefficients[0]
        let t = xm + g + 0.5
        for i in 1..<9 { a += coefficients[i] / (xm + Double(i)) }
        return 0.5 * logApprox(2 * Double.pi) + (xm + 0.5) * logApprox(t) - t + logApprox(a)
    }

    static func sinApprox(_ x: Double) -> Double {
        var y = x.truncatingRemainder(dividingBy: 2 * Double.pi)
        if y > Double.pi { y -= 2 * Double.pi }
        if y < -Double.pi { y += 2 * Double.pi }
        var term = y, sum = y
        for n in 1...20 {
            term *= -y * y / Double((2 * n) * (2 * n + 1))
            sum += term
        }
        return sum
    }

    /// erfc(x), with relative error below 1.2e-7 (Numerical Recipes' Chebyshev fit).
    static func erfcApprox(_ x: Double) -> Double {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        let poly =
            -z * z - 1.265_512_23 + t
            * (1.000_023_68 + t
                * (0.374_091_96 + t
                    * (0.096_784_18 + t
                        * (-0.186_288_06 + t
                            * (0.278_868_07 + t
                                * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))))
        let r = t * expApprox(poly)
        return x >= 0 ? r : 2 - r
    }
}
