import FlameGraphCore

/// The share of a profile's total weight in stacks that hold a frame for which `matches` is true: how
/// tests of real profilers check that the hot function dominates without fixing exact counts.
public func weightShare(_ profile: Profile, where matches: (String) -> Bool) -> Double {
    let total = profile.totalWeight
    guard total > 0 else { return 0 }
    var hit = 0.0
    for leaf in profile.leafNodes() where profile.frames(leaf).contains(where: matches) {
        hit += profile.selfWeight[Int(leaf)]
    }
    return hit / total
}
