/// Which frames the reports list, so that a profile with 50,000 functions still gives a readable report
/// while no frame that could have failed the gate is left out.
public enum ReportSelection {
    /// Frames at least this share (percent) of either profile are "gated frames" in the reports.
    public static let floorPercent = 0.5

    /// Every regression and acknowledged frame, plus frames whose share of either profile is at least
    /// `min(floorPercent, threshold)` (a frame that grew past its threshold always qualifies), in the
    /// result's order (largest change first), at most `limit`.
    public static func gated(_ r: DiffResult, limit: Int = 500) -> [FrameChange] {
        let metric = r.settings.metric
        var out: [FrameChange] = []
        for f in r.frames {
            let floor = min(floorPercent, f.threshold ?? floorPercent) / 100
            if f.regressed || f.acknowledged != nil || f.shareAfter(metric) >= floor || f.shareBefore(metric) >= floor {
                out.append(f)
            }
            if out.count >= limit { break }
        }
        return out
    }

    /// Gated frames that grew the most, significant or not, largest first.
    public static func growths(_ r: DiffResult, limit: Int) -> [FrameChange] {
        let metric = r.settings.metric
        return Array(r.frames.filter { $0.delta(metric) > 0 && $0.threshold != nil }.prefix(limit))
    }

    /// Frames that shrank the most (improvements), significant or not, largest first.
    public static func improvements(_ r: DiffResult, limit: Int) -> [FrameChange] {
        let metric = r.settings.metric
        return Array(
            r.frames.filter { $0.delta(metric) < 0 }.sorted { $0.delta(metric) < $1.delta(metric) }.prefix(limit))
    }
}
