import FlameGraphCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One request to an OpenAI-compatible chat-completions endpoint (llama.cpp's server, vLLM, Ollama,
/// hosted models): `POST {base}/chat/completions` with `{model, messages, temperature, stream}`, the
/// key as `Authorization: Bearer`, the answer in `choices[0].message.content` — or, streamed
/// (`stream`, ChatCompletionStream.swift), in server-sent events' `choices[0].delta.content`.
///
/// The key travels only in that header (redirects are not followed, so never to another host) and
/// is never part of an error: failures name the URL without credentials and the HTTP status, not
/// the response body (an error body may echo what was sent).
public enum ChatCompletionClient {
    public struct Message: Sendable {
        public var role: String
        public var content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// `https://host/v1` → `https://host/v1/chat/completions`; a URL that already ends so is kept.
    public static func endpoint(_ text: String) throws -> URL {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw FlameGraphError(.usage, "--api-url must be an http(s) URL, got \(displayed(text))")
        }
        if !components.path.hasSuffix("/chat/completions") {
            components.path =
                (components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path)
                + "/chat/completions"
        }
        guard let url = components.url else { throw FlameGraphError(.usage, "--api-url: not a usable URL") }
        return url
    }

    /// A URL for messages: scheme, host, port and path only (no user, password or query).
    public static func displayed(_ text: String) -> String {
        guard var c = URLComponents(string: text) else { return "(unparsable URL)" }
        c.user = nil
        c.password = nil
        c.query = nil
        c.fragment = nil
        return c.string ?? "(unparsable URL)"
    }

    /// Sends the conversation and returns the model's answer; throws `.unavailable` (69) on a
    /// timeout, a refused connection, an HTTP error status or an answer without a message.
    public static func complete(
        _ messages: [Message], model: String, url: URL, apiKey: String?, timeout: Double
    ) throws -> String {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let apiKey, !apiKey.isEmpty { headers["Authorization"] = "Bearer \(apiKey)" }
        let shown = displayed(url.absoluteString)
        let (status, data) = try post(
            url, body: try JSONSerialization.data(withJSONObject: body(messages, model: model, stream: false)),
            headers: headers, timeout: timeout, shown: shown)
        guard (200..<300).contains(status) else {
            let hint = status == 401 || status == 403 ? " (check RESQ_API_KEY)" : ""
            throw FlameGraphError(.unavailable, "the model API at \(shown) answered HTTP \(status)\(hint)")
        }
        return try content(of: data, shown: shown)
    }

    /// The request body (`stream` asks for server-sent events).
    static func body(_ messages: [Message], model: String, stream: Bool) -> [String: Any] {
        [
            "model": model, "temperature": 0.2, "stream": stream, "max_tokens": 1024,
            "messages": messages.map { ["role": $0.role, "content": $0.content] },
        ]
    }

    /// `choices[0].message.content` of a whole answer, not blank.
    static func content(of data: Data, shown: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let choices = object["choices"] as? [[String: Any]], let first = choices.first,
            let message = first["message"] as? [String: Any], let content = message["content"] as? String,
            !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else {
            throw FlameGraphError(
                .unavailable, "the model API at \(shown) sent an answer without choices[0].message.content")
        }
        return content
    }

    /// Starts a POST of `body` on an ephemeral session (no cache, no cookies) bounded by `timeout`,
    /// reporting to `delegate`. The caller invalidates the session.
    static func startPost(
        _ url: URL, body: Data, headers: [String: String], timeout: Double, delegate: URLSessionDataDelegate
    ) -> (URLSession, URLSessionDataTask) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: request)
        task.resume()
        return (session, task)
    }

    private static func post(_ url: URL, body: Data, headers: [String: String], timeout: Double, shown: String)
        throws -> (Int, Data)
    {
        let result = ResultBox()
        let (session, task) = startPost(url, body: body, headers: headers, timeout: timeout, delegate: result)
        defer { session.invalidateAndCancel() }
        // Linux's URLSession may overrun its own timeouts: a hard deadline cancels the task.
        guard result.done.wait(timeout: .now() + timeout + 2) == .success else {
            task.cancel()
            throw FlameGraphError(.unavailable, "the model API at \(shown) did not answer within \(Int(timeout)) s")
        }
        let (status, data, error, tooLarge) = result.get()
        if tooLarge {
            throw FlameGraphError(
                .unavailable, "the model API at \(shown) sent more than \(ResultBox.limit >> 20) MiB: not an answer")
        }
        guard let status, error == nil else {
            let timedOut = (error as? URLError)?.code == .timedOut
            throw FlameGraphError(
                .unavailable,
                "the model API at \(shown) \(timedOut ? "did not answer within \(Int(timeout)) s" : "is unreachable (\((error as? URLError)?.code.rawValue ?? -1))")"
            )
        }
        return (status, data)
    }

    /// Collects the answer (at most `limit` bytes, then the task is cancelled) and refuses redirects,
    /// so the Authorization header never travels to another host.
    private final class ResultBox: RedirectRefusingDelegate, @unchecked Sendable {
        static let limit = 8 << 20
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var status: Int?
        private var data = Data()
        private var error: Error?
        private var tooLarge = false

        override func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let over = lock.withLock { () -> Bool in
                self.data.append(data)
                if self.data.count > Self.limit { tooLarge = true }
                return tooLarge
            }
            if over { dataTask.cancel() }
        }

        override func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            lock.withLock {
                status = (task.response as? HTTPURLResponse)?.statusCode
                self.error = error
            }
            done.signal()
        }

        func get() -> (Int?, Data, Error?, Bool) { lock.withLock { (status, data, error, tooLarge) } }
    }
}

/// A URLSession delegate that never follows a redirect: the API key must not travel to another host.
///
/// The two data callbacks are declared here and overridden by the subclasses: on Linux the protocol's
/// requirements are bound to this class's witnesses (or to the protocol extension's empty defaults),
/// so a method a subclass adds without `override` is never called.
class RedirectRefusingDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {}

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {}

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
