import FlameGraphCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET of a profile endpoint that answers only after it has profiled (`?seconds=N`), cancellable
/// from another thread (Ctrl-C).
///
/// The body is streamed into memory through a delegate and the request is cancelled as soon as it
/// passes `limit` bytes (counted after `Content-Encoding` is undone, so a small gzip answer cannot
/// expand past it either). Credentials travel only in the `headers` given; redirects are not
/// followed, so they never reach another host. Linux's URLSession ignores
/// `URLRequest.timeoutInterval`: the session's own timeouts are set to `timeout`, and `wait` also
/// gives up a little after it, however slowly the body trickles in.
public final class ProfileFetch: @unchecked Sendable {
    public enum Outcome: Sendable {
        /// An HTTP answer, whatever its status.
        case answered(status: Int, body: [UInt8])
        /// No (complete) HTTP answer: the reason in words (never a header value), and whether it was a
        /// timeout. An answer over the size limit is one, its reason naming the limit and how to raise it.
        case failed(reason: String, timedOut: Bool)
        /// `cancel()` was called.
        case cancelled
    }

    private let lock = NSLock()
    private var outcome: Outcome?
    private var cancelled = false
    private var body: [UInt8] = []
    private var status = 0
    private let done = DispatchSemaphore(value: 0)
    private let session: URLSession
    private let task: URLSessionDataTask
    private let timeout: Double
    private let limit: Int
    private let limitVariable: String
    private let statusOnly: Bool
    private var exceeded = false
    /// `http://` answers are read by our own client (see `PlainHTTPGet` for why); nil for `https://`.
    private let plain: PlainHTTPGet?

    /// Whether the request failed because the answer passed the size limit (bad data, not unreachable).
    public var exceededLimit: Bool { lock.withLock { exceeded } }
    private var started: Date?

    /// - Parameters:
    ///   - limit: the most body bytes accepted (default: `NetworkLimits.current.profileBytes`).
    ///   - limitVariable: the environment variable that raises `limit`, for the message.
    ///   - statusOnly: answer as soon as the status is known, with an empty body (a probe).
    public init(
        _ url: URL, headers: [String: String], timeout: Double, limit: Int? = nil,
        limitVariable: String = NetworkLimits.profileVariable, statusOnly: Bool = false
    ) {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        self.timeout = timeout
        self.limit = limit ?? NetworkLimits.current.profileBytes
        self.limitVariable = limitVariable
        self.statusOnly = statusOnly
        plain =
            url.scheme?.lowercased() == "http"
            ? PlainHTTPGet(
                url: url, headers: headers, timeout: timeout, limit: self.limit, limitVariable: limitVariable,
                statusOnly: statusOnly) : nil
        let delegate = Delegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        task = session.dataTask(with: request)
        delegate.fetch = self
    }

    /// Receives the answer piece by piece; holds the fetch weakly (the session holds the delegate).
    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        weak var fetch: ProfileFetch?

        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            let more = fetch?.received(response) ?? false
            completionHandler(more ? .allow : .cancel)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            fetch?.received(data)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            fetch?.complete(error: error)
        }
    }

    /// Whether the body is wanted.
    private func received(_ response: URLResponse) -> Bool {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard statusOnly, status > 0 else {
            lock.withLock { self.status = status }
            return true
        }
        lock.withLock {
            if outcome == nil { outcome = .answered(status: status, body: []) }
        }
        done.signal()
        return false
    }

    /// Ends the request as failed on the size limit.
    private func stopOverLimit() {
        lock.withLock {
            guard outcome == nil else { return }
            body = []
            exceeded = true
            outcome = .failed(
                reason: NetworkLimits.exceeded("the answer", limit: limit, variable: limitVariable), timedOut: false)
        }
        task.cancel()
        done.signal()
    }

    private func received(_ data: Data) {
        let over = lock.withLock { () -> Bool in
            guard outcome == nil else { return false }
            guard data.count <= limit - body.count else { return true }
            // Room for the whole cap at once: untouched pages cost no memory, and the body never doubles
            // (old and new copies side by side) on its way up to the cap.
            if body.capacity == 0 { body.reserveCapacity(limit) }
            // Through a buffer pointer: a copy, not a byte-by-byte walk that lets chunks pile up queued.
            data.withUnsafeBytes { body.append(contentsOf: $0.bindMemory(to: UInt8.self)) }
            return false
        }
        if over { stopOverLimit() }
    }

    private func complete(error: Error?) {
        lock.withLock {
            guard outcome == nil else { return }
            if cancelled {
                outcome = .cancelled
            } else if error == nil && status > 0 {
                outcome = .answered(status: status, body: body)
            } else {
                let timedOut = (error as? URLError)?.code == .timedOut
                outcome = .failed(reason: ServiceProbe.describe(error), timedOut: timedOut)
            }
            body = []
        }
        done.signal()
    }

    /// Sends the request.
    public func start() {
        lock.withLock { started = Date() }
        guard let plain else { return task.resume() }
        Thread.detachNewThread { [self] in
            let (result, over) = plain.run(shouldStop: { self.lock.withLock { self.cancelled } })
            lock.withLock {
                if outcome == nil {
                    outcome = result
                    exceeded = over
                }
            }
            done.signal()
        }
    }

    /// Waits up to `seconds` for the outcome; `nil` while the request is still going. Past the timeout
    /// (plus a grace second) the request is cancelled and reported as timed out.
    public func wait(_ seconds: Double) -> Outcome? {
        if done.wait(timeout: .now() + seconds) == .success {
            done.signal()  // later waits see it too
            return lock.withLock { outcome }
        }
        // The transfer counts bytes as they arrive, ahead of the delegate (which a fast peer outruns):
        // stopping on that count keeps what is queued for the delegate small too.
        if task.countOfBytesReceived > Int64(limit) {
            stopOverLimit()
            return lock.withLock { outcome }
        }
        let overdue = lock.withLock { started.map { Date().timeIntervalSince($0) > timeout + 1 } ?? false }
        if overdue {
            lock.withLock {
                if outcome == nil { outcome = .failed(reason: "no answer within \(Int(timeout)) s", timedOut: true) }
                body = []
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
            body = []
        }
        task.cancel()
        done.signal()
    }

    deinit { session.invalidateAndCancel() }

    /// `url` as it may be shown: without user name or password.
    public static func displayed(_ url: URL) -> String { Redaction.url(url) }
}
