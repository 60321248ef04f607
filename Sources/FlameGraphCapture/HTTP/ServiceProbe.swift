import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET against a service, to tell "up" from "refused" and "rejected our key" before profiling it.
///
/// The API key goes only into the `X-API-Key` header: never into the URL, a message or an argument
/// list. Redirects are not followed, so the header never travels to another host.
public enum ServiceProbe {
    public enum Result: Sendable, Equatable {
        /// Any HTTP answer other than 401/403 (a 404 still proves the service is up).
        case answered(status: Int)
        /// 401 or 403.
        case rejected(status: Int)
        /// Connection refused, host unreachable, timed out…: the reason in words, without the key.
        case unreachable(String)
    }

    /// GETs `url` with `X-API-Key: apiKey` (when given), waiting at most `timeout` seconds.
    public static func get(_ url: URL, apiKey: String?, timeout: Double = 5) -> Result {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "X-API-Key") }
        let configuration = URLSessionConfiguration.ephemeral
        // Linux ignores URLRequest.timeoutInterval; only the session's timeouts count.
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let delegate = NoRedirects()
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.invalidateAndCancel() }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            if let http = response as? HTTPURLResponse {
                box.set(
                    [401, 403].contains(http.statusCode)
                        ? .rejected(status: http.statusCode) : .answered(status: http.statusCode))
            } else {
                box.set(.unreachable(describe(error)))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            return .unreachable("no answer within \(Int(timeout)) s")
        }
        return box.get() ?? .unreachable("no answer")
    }

    static func describe(_ error: Error?) -> String {
        guard let error = error as? URLError else { return "no HTTP answer" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .timedOut: return "timed out"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .networkConnectionLost: return "connection closed without an answer"
        case .notConnectedToInternet: return "network unreachable"
        default: return "request failed (URLError \(error.code.rawValue))"
        }
    }

    final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }

    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Result?
        func set(_ v: Result) { lock.withLock { value = v } }
        func get() -> Result? { lock.withLock { value } }
    }
}
