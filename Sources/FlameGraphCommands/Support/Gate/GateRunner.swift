import FlameGraphCapture
import FlameGraphCore
import FlameGraphStore
import Foundation

/// `flame-graph gate` for a list of services, one after another (so one service's load and profiler
/// never steal CPU from another's profile): capture each, save or compare, then write the combined
/// Markdown, JUnit and JSON reports and return the exit status.
struct GateRunner {
    enum Mode {
        case save(replace: Bool)
        case compare(revision: String)
    }

    var services: [ServiceConfig]
    var mode: Mode
    var baselines: GateBaselines
    var outputDirectory: String
    var quiet: Bool
    var failOnInconclusive = false

    func run() throws -> Int32 {
        try FileManager.default.createDirectory(atPath: outputDirectory + "/rounds", withIntermediateDirectories: true)
        try baselines.preflight(saving: isSaving)
        // Fail before a long capture, not after it: every baseline must exist.
        var found: [String: GateBaselines.Found] = [:]
        if case .compare(let revision) = mode {
            for s in services { found[s.name] = try baselines.find(service: s.name, revision: revision) }
        }
        GateSignals.shared.install()
        defer { ServiceRegistry.shared.stopAll() }
        var reports: [ServiceReport] = []
        for service in services {
            reports.append(try runOne(service, baseline: found[service.name]))
            Console.writeErr(Self.terminalLine(reports.last!))
        }
        let out = outputDirectory
        try OutputFile.write(Array(GateMarkdownReport.render(reports).utf8), to: "\(out)/report.md")
        try OutputFile.write(Array(GateJUnitReport.render(reports).utf8), to: "\(out)/junit.xml")
        try OutputFile.write(Array(GateJSONReport.render(reports).utf8), to: "\(out)/report.json")
        if !quiet { Console.writeErr("flame-graph: reports in \(out)/{report.md,junit.xml,report.json}\n") }
        return ServiceReport.exitStatus(reports, failOnInconclusive: failOnInconclusive)
    }

    var isSaving: Bool {
        if case .save = mode { return true }
        return false
    }

    private func runOne(_ service: ServiceConfig, baseline: GateBaselines.Found?) throws -> ServiceReport {
        let name = service.name
        var report = ServiceReport(
            name: name, profiler: service.profiler.rawValue, outcome: .unavailable(message: "", log: nil))
        let captured: ServiceRun.Captured
        do {
            captured = try ServiceRun(
                service: service, rounds: service.rounds, directory: outputDirectory, quiet: quiet
            ).run()
        } catch let failure as ServiceFailure {
            if GateSignals.shared.interrupted { throw GateSignals.interruption }
            report.outcome = .unavailable(message: failure.message, log: failure.log)
            report.load = failure.load
            return report
        } catch let e as FlameGraphError where e.kind != .usage {
            if GateSignals.shared.interrupted { throw GateSignals.interruption }
            report.outcome = .unavailable(message: e.message, log: nil)
            return report
        }
        if GateSignals.shared.interrupted { throw GateSignals.interruption }
        report.load = captured.load
        let merged = Profile.merged(captured.rounds)
        try OutputFile.write(FoldedWriter.write(merged), to: "\(outputDirectory)/\(name).folded")
        try Rendering.draw(
            merged, output: "\(outputDirectory)/\(name).svg", foldedOutput: nil,
            render: try RenderOptionGroup.parse([]),
            coloring: nil)
        var metadata = BaselineMetadataFactory.make(
            for: merged,
            captureCommand: BaselineHygiene.scrubCredentials(
                BaselineMetadataFactory.redactedCommandLine(Array(CommandLine.arguments.dropFirst()))),
            duration: service.duration * Double(captured.rounds.count), rate: captured.samplingRate)
        switch mode {
        case .save(let replace):
            // Samples, not weights: a perf capture's weights are nanoseconds.
            let samples = Double(metadata.sampleCount)
            let notes = BaselineHygiene.whenSaving(
                samples: samples, threshold: service.gate.threshold, repository: baselines.repository())
            metadata.notes = notes.isEmpty ? nil : notes
            let place = try baselines.save(
                service: name, rounds: captured.rounds, merged: merged, metadata: metadata, load: captured.load,
                replace: replace)
            report.outcome = .saved(where: place, samples: samples, rounds: captured.rounds.count)
            report.warnings = notes
        case .compare:
            let b = baseline!
            report.baselineLoad = b.load
            report.warnings = BaselineHygiene.whenComparing(stored: b.metadata, current: metadata, commit: b.commit)
            let head =
                (try? baselines.repository()?.headCommit()).flatMap { $0 }.map { "commit \($0.prefix(12))" }
                ?? "this run"
            var settings = service.gate
            settings.failOnInconclusive = settings.failOnInconclusive || failOnInconclusive
            let (result, svg) = try GateComparison.compare(
                baseline: b.rounds, history: b.history, rounds: captured.rounds, settings: settings,
                focus: service.focus, baselineLabel: b.label,
                afterLabel: "\(head) (\(captured.rounds.count) round\(captured.rounds.count == 1 ? "" : "s"))")
            try OutputFile.write(svg, to: "\(outputDirectory)/\(name).diff.svg")
            report.outcome = .compared(result)
        }
        if !quiet { for w in report.warnings { Console.warn("\(name): \(w)") } }
        return report
    }

    /// One line per service on the terminal, naming the baseline it was compared with.
    static func terminalLine(_ r: ServiceReport) -> String {
        let load = r.load.map { " [\(ServiceReport.loadLine($0, baseline: r.baselineLoad))]" } ?? ""
        switch r.outcome {
        case .compared(let result):
            let verdict = DiffReporting.verdict(result).replacingOccurrences(of: "flame-graph: ", with: "")
            return "flame-graph: \(r.name) vs baseline \(result.baselineLabel)\(load): \(verdict)"
        case .saved(let place, let samples, let rounds):
            return
                "flame-graph: \(r.name): baseline saved \(place) (\(NumberFormatting.grouped(samples)) samples, \(rounds) round\(rounds == 1 ? "" : "s"))\(load)\n"
        case .unavailable(let message, _):
            return "flame-graph: \(r.name): NOT MEASURED: \(message)\n"
        }
    }
}
