import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One GET against a service, to tell "up" from "refused" and "rejected our key" before profiling it.
///
/// The API key goes only into the `X-API-Key` header: never into the URL, a message or an argument
/// list. Redirects are not followed, so the header never travels to another host. Only the status is
/// read: the request is dropped as soon as it is known, so a huge or endless body costs nothing.
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
        let fetch = ProfileFetch(
            url, headers: apiKey.map { ["X-API-Key": $0] } ?? [:], timeout: timeout, statusOnly: true)
        fetch.start()
        var outcome: ProfileFetch.Outcome? = nil
        while outcome == nil { outcome = fetch.wait(0.25) }
        switch outcome! {
        case .answered(let status, _):
            return [401, 403].contains(status) ? .rejected(status: status) : .answered(status: status)
        case .failed(let reason, _):
            return .unreachable(reason)
        case .cancelled:
            return .unreachable("cancelled")
        }
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
}
