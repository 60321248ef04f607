import FlameGraphCore
import Foundation
import Synchronization

/// The built-in load generator: `concurrency` threads, each with its own keep-alive connection,
/// sending the plan's requests in turn — closed loop by default (the next request as soon as the last
/// is answered, which keeps the service busy however fast it is), or on a shared fixed-rate schedule.
/// It stops at the plan's duration, at `maxRequests`, or when `stop()` is called.
///
/// With a fixed rate, latency is measured from each request's scheduled time, not from when a busy
/// connection got round to sending it, so a stalled service shows up in the percentiles instead of
/// hiding behind fewer requests (coordinated omission).
public final class LoadGenerator: Sendable {
    private struct Shared {
        var latencies: [Double] = []
        var errors: [String: Int] = [:]
        var running = 0
    }

    public let plan: LoadPlan
    private let stopFlag = Atomic<Bool>(false)
    private let issued = Atomic<Int>(0)
    private let shared = Mutex(Shared())
    private let finished = DispatchSemaphore(value: 0)
    private let startedAt = Mutex<Double>(0)
    private let endedAt = Mutex<Double?>(nil)

    public init(_ plan: LoadPlan) throws {
        try plan.validate()
        self.plan = plan
    }

    /// Starts the threads and returns at once.
    public func start() {
        let begin = Monotonic.now()
        startedAt.withLock { $0 = begin }
        shared.withLock { $0.running = plan.concurrency }
        for index in 0..<plan.concurrency {
            let thread = Thread { [self] in
                self.work(index: index, begin: begin)
                let last = self.shared.withLock { s in
                    s.running -= 1
                    return s.running == 0
                }
                if last {
                    self.endedAt.withLock { $0 = Monotonic.now() }
                    self.finished.signal()
                }
            }
            thread.name = "flame-graph load \(index)"
            thread.start()
        }
    }

    /// Asks the threads to stop, waits for them, and returns the statistics.
    @discardableResult
    public func stop() -> LoadStatistics {
        stopFlag.store(true, ordering: .relaxed)
        return wait()
    }

    /// Waits until the load ends by itself (duration or count) and returns the statistics.
    public func wait() -> LoadStatistics {
        finished.wait()
        finished.signal()  // later waits return at once
        let elapsed = (endedAt.withLock { $0 } ?? Monotonic.now()) - startedAt.withLock { $0 }
        return shared.withLock { s in
            LoadStatistics.summarize(latencies: s.latencies, errors: s.errors, elapsed: elapsed)
        }
    }

    /// Runs the whole plan and returns its statistics (blocking).
    public static func run(_ plan: LoadPlan) throws -> LoadStatistics {
        let generator = try LoadGenerator(plan)
        generator.start()
        return generator.wait()
    }

    private func work(index: Int, begin: Double) {
        let end = begin + plan.duration
        let host = plan.host.contains(":") && !plan.host.hasPrefix("[") ? "[\(plan.host)]" : plan.host
        let wires = plan.requests.map { $0.wire(host: "\(host):\(plan.port)") }
        var latencies: [Double] = []
        var errors: [String: Int] = [:]
        defer {
            shared.withLock { s in
                s.latencies.append(contentsOf: latencies)
                s.errors.merge(errors, uniquingKeysWith: +)
            }
        }
        let connection: HTTPLoadConnection
        do {
            connection = try HTTPLoadConnection(host: plan.host, port: plan.port)
        } catch {
            errors["cannot resolve \(plan.host)", default: 0] += 1
            return
        }
        let stopped = { self.stopFlag.load(ordering: .relaxed) }
        while !stopped() {
            let n = issued.add(1, ordering: .relaxed).oldValue
            guard n < plan.maxRequests else { return }
            var sentAt = Monotonic.now()
            if let rate = plan.rate {
                let scheduled = begin + Double(n) / rate
                if scheduled >= end { return }
                while Monotonic.now() < scheduled {
                    if stopped() { return }
                    usleep(UInt32(min(scheduled - Monotonic.now(), 0.05) * 1e6) + 1)
                }
                sentAt = scheduled
            } else if sentAt >= end {
                return
            }
            let wire = wires[n % wires.count]
            do {
                let status = try connection.exchange(
                    wire, deadline: Monotonic.now() + plan.requestTimeout, stopped: stopped)
                if (200..<400).contains(status) {
                    latencies.append(Monotonic.now() - sentAt)
                } else {
                    errors["HTTP \(status)", default: 0] += 1
                }
            } catch .stopped {
                return
            } catch {
                connection.close()
                errors[Self.describe(error), default: 0] += 1
                // A refused connection fails at once: do not spin at full speed against a dead port.
                if case .connect = error { usleep(20_000) }
            }
        }
    }

    static func describe(_ failure: HTTPLoadConnection.Failure) -> String {
        switch failure {
        case .connect(let why): return "connect: \(why)"
        case .io(let why): return why
        case .timeout: return "timed out"
        case .malformed(let why): return "bad response: \(why)"
        case .stopped: return "stopped"
        }
    }
}
