#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock readings, taken here at the edge and never in the core; tests fix them through `CLIContext`.
public enum Clock {
    /// Today's date (UTC) as YYYY-MM-DD, for acknowledgement expiry.
    static func todayUTC() -> String { CLIContext.current.today() }

    /// The system clock's date (UTC) as YYYY-MM-DD.
    @Sendable public static func systemTodayUTC() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
    }
}
