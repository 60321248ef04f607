import ArgumentParser
import FlameGraphCore

/// `flame-graph gate`: the whole CI job in one command — every service in flame-graph.yml started,
/// loaded, profiled, stopped, and saved as a baseline or compared with one.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Profile each service of flame-graph.yml under load and save baselines or gate on regressions.",
        discussion: """
            For each service (one after another): start it (or use the running one), poll `ready` until 2xx,
            warm up, drive the load while capturing its rounds with its profiler, stop its process group,
            then save the baseline or compare with one. Writes per service SVG, differential SVG and folded
            stacks, and report.md, junit.xml and report.json, into --output-dir.
            Exit 1 if any service regressed, 69 if one could not be started or measured, 0 otherwise.
            The config is documented in docs/CONFIG.md.

            Examples:
              flame-graph gate --example-config > flame-graph.yml
              flame-graph gate --save-baseline                     # on the main branch
              flame-graph gate --baseline auto --output-dir out    # on a pull request
              flame-graph gate --service orders --rounds 3 --baseline-dir baselines
            """)

    @Option(help: "The config file.") var config: String = "flame-graph.yml"
    @Option(help: "Only this service (repeat for several).") var service: [String] = []
    @Flag(name: .customLong("save-baseline"), help: "Save the captures as the baselines of HEAD.") var saveBaseline =
        false
    @Flag(name: .customLong("replace-baseline"), help: "With --save-baseline: replace existing ones.")
    var replaceBaseline = false
    @Option(help: "Compare with the baseline at REV, or `auto` (merge-base with the default branch, then ancestors).")
    var baseline: String?
    @Option(name: .customLong("baseline-dir"), help: "Checked-in baselines: DIR/<service>.folded and .json.")
    var baselineDir: String?
    @Option(help: "Capture rounds per service (overrides the config).") var rounds: Int?
    @Option(name: .customLong("output-dir"), help: "Where the SVGs and reports go.") var outputDir = "flame-graph-out"
    @Option(help: "The git repository holding the baselines.") var repo = "."
    @Option(name: .customLong("max-depth"), help: "With --baseline auto: ancestors to search.") var maxDepth = 200
    @Flag(name: .customLong("fail-on-inconclusive"), help: "Also fail (exit 1) when a comparison is inconclusive.")
    var failOnInconclusive = false
    @Flag(name: .customLong("example-config"), help: "Print a commented starter flame-graph.yml and exit.")
    var exampleConfig = false
    @Flag(name: [.short, .long], help: "Only errors and the verdict lines.") var quiet = false

    func validate() throws {
        if exampleConfig { return }
        if saveBaseline == (baseline != nil) {
            throw ValidationError("give exactly one of --save-baseline or --baseline auto|REV")
        }
        if let rounds, !(1...100).contains(rounds) { throw ValidationError("--rounds must be between 1 and 100") }
        if replaceBaseline && !saveBaseline { throw ValidationError("--replace-baseline needs --save-baseline") }
    }

    func run() throws {
        if exampleConfig {
            print(GateExampleConfig.text, terminator: "")
            return
        }
        let file = try ServiceConfigParser.load(config)
        var services = file.services
        if !service.isEmpty {
            for name in service where !services.contains(where: { $0.name == name }) {
                throw FlameGraphError(
                    .usage,
                    "--service \(name): no such service in \(config) (it has \(services.map(\.name).joined(separator: ", ")))"
                )
            }
            services = services.filter { service.contains($0.name) }
        }
        if let rounds { for i in services.indices { services[i].rounds = rounds } }
        let runner = GateRunner(
            services: services,
            mode: saveBaseline ? .save(replace: replaceBaseline) : .compare(revision: baseline!),
            baselines: GateBaselines(repositoryPath: repo, directory: baselineDir, maxDepth: maxDepth),
            outputDirectory: outputDir, quiet: quiet, failOnInconclusive: failOnInconclusive)
        let status = try runner.run()
        if status != ExitStatus.success { throw CommandExit(status: status) }
    }
}
