import FlameGraphCapture
import FlameGraphCore
import FlameGraphStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What every capture subcommand does around its `ProfileSource`: options → source → runner → report.
/// Fails before a long capture when the baseline to compare with or the place to save is missing, runs
/// the rounds, then draws the merge, gates the rounds against the baseline, and stores them.
///
///     try CaptureFlow.run(PySpySource(pid: pid, options: pySpy.options()), capture: capture, render: render)
enum CaptureFlow {
    /// `title`, when given, names the drawing from what was captured (`memory --pid` learns its
    /// producer only then); an explicit --title wins.
    static func run(
        _ source: any ProfileSource, capture options: CaptureOptionGroup, render: RenderOptionGroup,
        title: (() -> String)? = nil
    ) throws {
        let baseline = try options.baseline.map { revision in
            try options.store.loadBaselineRounds(
                service: options.service!, revision: revision, maxDepth: options.maxDepth)
        }
        let saveTarget = try options.saveBaseline ? saveTarget(options) : nil
        let result = try runner(options).run(source)
        var render = render
        if render.title == nil, let title { render.title = title() }
        try report(result, options: options, render: render, baseline: baseline, saveTarget: saveTarget)
    }

    /// The runner with the command line's settings: duration, rounds, environment, quiet, the progress
    /// line and messages on stderr, and the clean-up of half-written outputs on abort.
    static func runner(_ options: CaptureOptionGroup) -> CaptureRunner {
        let settings = CaptureSettings(
            duration: Double(options.duration), rounds: options.rounds,
            environment: CLIContext.current.environmentEntries, quiet: options.output.quiet, handleSignals: true,
            onAbort: {
                TemporaryFiles.removeAll()
                // The command unwinds on its own once the child is gone; if it cannot (stuck in a long
                // computation), clean up again and leave with the status an interrupt owes.
                Thread.detachNewThread {
                    sleep(10)
                    TemporaryFiles.removeAll()
                    _exit(ExitStatus.interrupted)
                }
            })
        return CaptureRunner(settings, reporter: ConsoleCaptureReporter(quiet: options.output.quiet))
    }

    private static func saveTarget(_ options: CaptureOptionGroup) throws -> String {
        let (_, repository) = try options.store.open()
        return try options.store.resolve(nil, in: repository)
    }

    /// Draws the merge, compares the rounds with the baseline, saves them as a baseline, says the verdict.
    static func report(
        _ result: CaptureResult, options: CaptureOptionGroup, render: RenderOptionGroup,
        baseline: (rounds: [Profile], label: String, history: [Profile])?, saveTarget: String?
    ) throws {
        let quiet = options.output.quiet
        if !quiet {
            let rounds = result.rounds.count > 1 ? " in \(result.rounds.count) rounds" : ""
            let note = result.stoppedEarly ? " (stopped early by Ctrl-C)" : ""
            Console.writeErr("flame-graph: captured \(result.summary)\(rounds)\(note)\n")
        }
        try Rendering.draw(
            result.merged, output: options.output.output, foldedOutput: options.output.foldedOutput, render: render,
            coloring: nil, defaultPalette: result.metadata.defaultPalette)

        var verdict: DiffResult? = nil
        if let baseline {
            // Both sides bring their rounds as replicates, and earlier baselines of the service feed the
            // noise model (issue 11).
            verdict = try DiffReporting.compareAndWrite(
                .init(
                    before: baseline.rounds, after: result.rounds, beforeLabel: baseline.label,
                    afterLabel: "this capture", history: baseline.history),
                name: options.service ?? "profile", gate: options.gate, drawing: .init(render: render),
                svgOutput: options.diffOutput, quiet: quiet)
        }
        if let commit = saveTarget, let service = options.service {
            try save(result, service: service, commit: commit, options: options)
        }
        if let verdict { try DiffReporting.conclude(verdict, quiet: quiet) }
    }

    private static func save(_ result: CaptureResult, service: String, commit: String, options: CaptureOptionGroup)
        throws
    {
        let (store, _) = try options.store.open()
        let metadata = BaselineMetadataFactory.make(
            for: result.merged,
            captureCommand: BaselineMetadataFactory.redactedCommandLine(CLIContext.current.arguments),
            duration: result.duration, rate: result.metadata.samplingRate)
        // A baseline keeps its rounds, so a later comparison has replicates on this side too.
        let record = try store.save(
            service: service, commit: commit, rounds: result.rounds, merged: result.merged, metadata: metadata,
            force: options.replaceBaseline)
        if !options.output.quiet {
            Console.writeErr(
                "flame-graph: saved baseline \(record.service) @ \(record.commit.prefix(12)) (\(ProgressLine.count(Double(record.samples), "sample")))\n"
            )
        }
    }
}

/// The command line's `CaptureReporter`: the progress line on a terminal, messages and warnings on stderr.
struct ConsoleCaptureReporter: CaptureReporter {
    let line: ProgressLine
    let quiet: Bool

    init(quiet: Bool) {
        line = ProgressLine(quiet: quiet)
        self.quiet = quiet
    }

    func progress(_ text: String) { line.update(text) }
    func clearProgress() { line.clear() }
    func notice(_ text: String) { line.message(text) }
    func warning(_ text: String) {
        if !quiet { line.warning(text) }
    }
}
