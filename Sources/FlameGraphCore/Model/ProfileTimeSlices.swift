/// Cuts one recording into `count` consecutive windows of equal weight, for `--rounds` of a command
/// that runs once (`bun --cmd`): the profile must keep its stacks in time order (`sequence`) and be
/// weighted by time, so equal weight is equal time. A stack that straddles a boundary goes to the
/// window it starts in.
public enum ProfileTimeSlices {
    public static func slice(_ profile: Profile, count: Int) -> [Profile] {
        guard count > 1, let sequence = profile.sequence, !sequence.isEmpty else {
            var whole = profile
            whole.sequence = nil
            return [whole]
        }
        let total = sequence.reduce(0) { $0 + $1.weight }
        var template = Profile()
        template.unit = profile.unit
        template.samplingInterval = profile.samplingInterval  // a window's samples weigh what the whole's do
        var out = [Profile](repeating: template, count: count)
        var elapsed = 0.0
        for (node, weight) in sequence {
            let window = total > 0 ? min(count - 1, Int(elapsed / total * Double(count))) : 0
            out[window].add(frames: profile.frames(node), weight: weight)
            elapsed += weight
        }
        return out
    }
}
