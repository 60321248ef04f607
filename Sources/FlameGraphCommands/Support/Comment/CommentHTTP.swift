import FlameGraphCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The few JSON requests `flame-graph comment` makes to GitHub or GitLab, with the documented
/// failure answers turned into one-line errors. The token travels only in the header given; messages
/// name the method and the URL (which never holds it), never the headers.
struct CommentHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
    }

    var authorization: (name: String, value: String)
    var extraHeaders: [String: String] = [:]
    /// Longest wait for a rate limit to lift before giving up (seconds).
    var maxRateLimitWait: Double = 60
    var attempts = 3
    var sleep: (Double) -> Void = { usleep(UInt32(min($0, 3600) * 1e6)) }

    func send(_ method: String, _ url: URL, json: [String: String]? = nil) throws -> Response {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(authorization.value, forHTTPHeaderField: authorization.name)
        request.setValue("flame-graph", forHTTPHeaderField: "User-Agent")
        for (k, v) in extraHeaders { request.setValue(v, forHTTPHeaderField: k) }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        for attempt in 1...attempts {
            let response = try perform(request)
            if let wait = rateLimitWait(response), attempt < attempts {
                guard wait <= maxRateLimitWait else {
                    throw FlameGraphError(
                        .unavailable,
                        "\(method) \(url.absoluteString): rate limited (HTTP \(response.status)) for \(Int(wait)) s more; try again later"
                    )
                }
                Console.warn(
                    "\(method) \(url.path): rate limited (HTTP \(response.status)); retrying in \(Int(wait)) s")
                sleep(wait)
                continue
            }
            return try check(response, method, url)
        }
        throw FlameGraphError(
            .unavailable, "\(method) \(url.absoluteString): still rate limited after \(attempts) attempts")
    }

    /// Seconds to wait when the answer is a rate limit (403/429 with `retry-after`, or no requests left
    /// until `x-ratelimit-reset`), nil otherwise.
    func rateLimitWait(_ r: Response) -> Double? {
        guard r.status == 403 || r.status == 429 else { return nil }
        if let after = r.headers["retry-after"].flatMap(Double.init) { return max(after, 0) }
        if r.headers["x-ratelimit-remaining"] == "0", let reset = r.headers["x-ratelimit-reset"].flatMap(Double.init) {
            return max(reset - Date().timeIntervalSince1970, 0) + 1
        }
        return r.status == 429 ? 60 : nil
    }

    func check(_ r: Response, _ method: String, _ url: URL) throws -> Response {
        if (200..<300).contains(r.status) { return r }
        let what = "\(method) \(url.absoluteString)"
        let message = Self.apiMessage(r.body).map { ": \($0)" } ?? ""
        switch r.status {
        case 401:
            throw FlameGraphError(.unavailable, "\(what): the token was refused (HTTP 401)\(message)")
        case 403:
            throw FlameGraphError(
                .unavailable, "\(what): forbidden (HTTP 403)\(message): the token lacks permission to comment")
        case 404:
            throw FlameGraphError(
                .notFound, "\(what): not found (HTTP 404)\(message): check the repository/project and the PR/MR number")
        case 422:
            throw FlameGraphError(.badInput, "\(what): the comment was rejected (HTTP 422)\(message)")
        default:
            throw FlameGraphError(.unavailable, "\(what): HTTP \(r.status)\(message)")
        }
    }

    /// The `message` field of an API error body, on one line and short.
    static func apiMessage(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let text = (object["message"] as? String) ?? (object["error"] as? String)
        return text.map { String(Console.oneLine($0).prefix(200)) }
    }

    private func perform(_ request: URLRequest) throws -> Response {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 60
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        let box = ResponseBox()
        session.dataTask(with: request) { data, response, error in
            box.set(data, response as? HTTPURLResponse, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, http, error) = box.get()
        guard let http else {
            let why = error.map { Console.oneLine($0.localizedDescription) } ?? "no answer"
            throw FlameGraphError(
                .unavailable, "\(request.httpMethod ?? "GET") \(request.url?.absoluteString ?? ""): \(why)")
        }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
        }
        return Response(status: http.statusCode, headers: headers, body: data ?? Data())
    }
}

private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Data?, HTTPURLResponse?, Error?) = (nil, nil, nil)
    func set(_ d: Data?, _ r: HTTPURLResponse?, _ e: Error?) { lock.withLock { value = (d, r, e) } }
    func get() -> (Data?, HTTPURLResponse?, Error?) { lock.withLock { value } }
}
