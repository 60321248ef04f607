import FlameGraphCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension ChatCompletionClient {
    /// Sends the conversation with `"stream": true` and hands the answer to `onText` piece by piece
    /// as the server-sent events arrive (`data: {…choices[0].delta.content…}` … `data: [DONE]`), on
    /// the calling thread; returns the whole answer. A server that answers with plain JSON instead
    /// (it ignored `stream`) is read as `complete` would.
    ///
    /// Bounded: `timeout` seconds for the whole answer and 8 MiB in all. A timeout, an
    /// HTTP error status, a malformed event, an `error` event or a stream that ends before `[DONE]`
    /// throws `.unavailable` (69) — after the pieces that did arrive were handed on.
    public static func stream(
        _ messages: [Message], model: String, url: URL, apiKey: String?, timeout: Double,
        onText: (String) throws -> Void
    ) throws -> String {
        var headers = ["Content-Type": "application/json", "Accept": "text/event-stream"]
        if let apiKey, !apiKey.isEmpty { headers["Authorization"] = "Bearer \(apiKey)" }
        let shown = displayed(url.absoluteString)
        let box = StreamBox()
        let (session, task) = startPost(
            url, body: try JSONSerialization.data(withJSONObject: body(messages, model: model, stream: true)),
            headers: headers, timeout: timeout, delegate: box)
        defer { session.invalidateAndCancel() }

        var answer = ""
        let deadline = Date().addingTimeInterval(timeout)
        func fail(_ message: String) -> FlameGraphError {
            task.cancel()
            return FlameGraphError(.unavailable, "the model API at \(shown) \(message)")
        }
        while true {
            let left = deadline.timeIntervalSinceNow
            // Linux's URLSession may overrun its own timeouts: this deadline holds regardless.
            guard left > 0 else { throw fail("did not finish its answer within \(Int(timeout)) s") }
            _ = box.signal.wait(timeout: .now() + min(left, 0.25))
            let batch = box.take()
            if batch.tooLarge { throw fail("sent more than \(StreamBox.limit >> 20) MiB: not an answer") }
            if let status = batch.status, !(200..<300).contains(status) {
                let hint = status == 401 || status == 403 ? " (check RESQ_API_KEY)" : ""
                throw fail("answered HTTP \(status)\(hint)")
            }
            for data in batch.events {
                switch event(data) {
                case .text(let piece):
                    answer += piece
                    try onText(piece)
                case .done:
                    task.cancel()
                    guard !answer.isEmpty else { throw fail("streamed no choices[0].delta.content before [DONE]") }
                    return answer
                case .malformed(let why):
                    throw fail("sent a malformed stream event (\(why))")
                }
            }
            guard batch.finished else { continue }
            if batch.malformedLine { throw fail("sent a stream line longer than 1 MiB") }
            if let error = batch.error {
                let timedOut = (error as? URLError)?.code == .timedOut
                throw fail(
                    timedOut
                        ? "did not finish its answer within \(Int(timeout)) s"
                        : batch.sawEvents
                            ? "cut the stream off before data: [DONE]"
                            : "is unreachable (\((error as? URLError)?.code.rawValue ?? -1))")
            }
            if !batch.isEventStream {
                // Plain JSON: the server ignored "stream": true.
                let content = try content(of: batch.body, shown: shown)
                try onText(content)
                return content
            }
            throw fail("ended the stream before data: [DONE]")
        }
    }

    enum StreamEvent: Equatable {
        case text(String)
        case done
        case malformed(String)
    }

    /// One event's data: `[DONE]`, a chunk (its `choices[0].delta.content`, maybe empty), or not one.
    static func event(_ data: String) -> StreamEvent {
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" { return .done }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else {
            return .malformed("not JSON")
        }
        if object["error"] != nil { return .malformed("an error event") }
        guard let choices = object["choices"] as? [[String: Any]] else { return .malformed("no choices") }
        guard let first = choices.first else { return .text("") }  // usage-only chunks have none
        guard let delta = first["delta"] as? [String: Any] else { return .malformed("no choices[0].delta") }
        switch delta["content"] {
        case nil, is NSNull: return .text("")
        case let text as String: return .text(text)
        default: return .malformed("choices[0].delta.content is not a string")
        }
    }

    /// Collects the stream on URLSession's queue; the caller takes what arrived (`take`) on its own.
    final class StreamBox: RedirectRefusingDelegate, @unchecked Sendable {
        static let limit = 8 << 20
        let signal = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var parser = ServerSentEvents()
        private var state = Batch()
        private var received = 0

        struct Batch {
            var events: [String] = []
            var status: Int? = nil
            var isEventStream = false
            var sawEvents = false
            var body = Data()
            var finished = false
            var error: Error? = nil
            var tooLarge = false
            var malformedLine = false
        }

        override func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let over = lock.withLock { () -> Bool in
                let response = dataTask.response as? HTTPURLResponse
                state.status = response?.statusCode
                let type = (response?.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
                state.isEventStream = type.hasPrefix("text/event-stream")
                received += data.count
                if received > Self.limit { state.tooLarge = true }
                if state.isEventStream {
                    let events = parser.feed(data)
                    state.events += events
                    state.sawEvents = state.sawEvents || !events.isEmpty
                    state.malformedLine = parser.overlong
                } else {
                    state.body.append(data)
                }
                return state.tooLarge
            }
            if over { dataTask.cancel() }
            signal.signal()
        }

        override func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            lock.withLock {
                state.status = (task.response as? HTTPURLResponse)?.statusCode ?? state.status
                if state.isEventStream, let last = parser.finish() { state.events.append(last) }
                state.error = error
                state.finished = true
            }
            signal.signal()
        }

        /// What arrived since the last call (events are handed out once).
        func take() -> Batch {
            lock.withLock {
                let batch = state
                state.events.removeAll()
                return batch
            }
        }
    }
}
