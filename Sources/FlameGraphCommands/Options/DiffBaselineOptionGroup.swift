import ArgumentParser

/// `diff --baseline`: the before side taken from the baseline store instead of files.
struct DiffBaselineOptionGroup: ParsableArguments {
    @Option(
        help:
            "Take the before profile from the baseline store: a revision, or `auto` (merge-base with the default branch, then first-parent ancestors)."
    )
    var baseline: String?

    @Option(help: "With --baseline: the service whose baseline to use.")
    var service: String?

    @Option(
        name: [.customLong("max-depth")], help: "With --baseline auto: first-parent ancestors to search (default 200).")
    var maxDepth: Int = 200

    @OptionGroup var store: StoreOptionGroup
}
