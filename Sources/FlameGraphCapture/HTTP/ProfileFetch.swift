import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET of a profile endpoint that answers only after it has profiled (`?seconds=N`), cancellable
/// from another thread (Ctrl-C).
///
/// Credentials travel only in the `headers` given; redirects are not followed, so they never reach
/// another host. Linux's URLSession ignores `URLRequest.timeoutInterval`: the session's own timeouts
/// are set to `timeout`, and `wait` also gives up a little after it.
public final class ProfileFetch: @unchecked Sendable {
    public enum Outcome: Sendable {
        /// An HTTP answer, whatever its status.
        case answered(status: Int, body: [UInt8])
        /// No HTTP answer: the reason in words (never a header value), and whether it was a timeout.
        case failed(reason: String, timedOut: Bool)
        /// `cancel()` was called.
        case cancelled
    }

    private let lock = NSLock()
    private var outcome: Outcome?
    private var cancelled = false
    private let done = DispatchSemaphore(value: 0)
    private let session: URLSession
    private let task: URLSessionDataTask
    private let timeout: Double
    private var started: Date?

    public init(_ url: URL, headers: [String: String], timeout: Double) {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        self.timeout = timeout
        session = URLSession(
            configuration: configuration, delegate: ServiceProbe.NoRedirects(), delegateQueue: nil)
        let box = Box()
        task = session.dataTask(with: request) { data, response, error in
            box.fetch?.complete(data: data, response: response, error: error)
        }
        box.fetch = self
    }

    private final class Box: @unchecked Sendable {
        weak var fetch: ProfileFetch?
    }

    private func complete(data: Data?, response: URLResponse?, error: Error?) {
        lock.withLock {
            guard outcome == nil else { return }
            if cancelled {
                outcome = .cancelled
            } else if let http = response as? HTTPURLResponse, error == nil {
                outcome = .answered(status: http.statusCode, body: data.map { [UInt8]($0) } ?? [])
            } else {
                let timedOut = (error as? URLError)?.code == .timedOut
                outcome = .failed(reason: ServiceProbe.describe(error), timedOut: timedOut)
            }
        }
        done.signal()
    }

    /// Sends the request.
    public func start() {
        lock.withLock { started = Date() }
        task.resume()
    }

    /// Waits up to `seconds` for the outcome; `nil` while the request is still going. Past the timeout
    /// (plus a grace second) the request is cancelled and reported as timed out.
    public func wait(_ seconds: Double) -> Outcome? {
        if done.wait(timeout: .now() + seconds) == .success {
            done.signal()  // later waits see it too
            return lock.withLock { outcome }
        }
        let overdue = lock.withLock { started.map { Date().timeIntervalSince($0) > timeout + 1 } ?? false }
        if overdue {
            lock.withLock {
                if outcome == nil { outcome = .failed(reason: "no answer within \(Int(timeout)) s", timedOut: true) }
            }
            task.cancel()
            done.signal()
            return lock.withLock { outcome }
        }
        return nil
    }

    /// Cancels the request (from any thread); `wait` then reports `.cancelled`.
    public func cancel() {
        lock.withLock {
            cancelled = true
            if outcome == nil { outcome = .cancelled }
        }
        task.cancel()
        done.signal()
    }

    deinit { session.invalidateAndCancel() }

    /// `url` as it may be shown: without user name or password.
    public static func displayed(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "the URL" }
        parts.user = nil
        parts.password = nil
        return parts.string ?? "the URL"
    }
}
