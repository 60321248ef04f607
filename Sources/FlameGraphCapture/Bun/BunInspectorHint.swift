import FlameGraphCore
import Foundation

/// `hce --inspect` pointed at Bun: Bun's inspector speaks WebKit's protocol (no /json/list), and
/// `/json/version` says `"Browser": "Bun"`. The error then sends the user to `flame-graph bun`.
public enum BunInspectorHint {
    /// The error for a Bun inspector at `hostPort`, or nil when it is not Bun (or does not answer).
    public static func error(at hostPort: String) -> FlameGraphError? {
        guard let url = URL(string: "http://\(hostPort)/json/version") else { return nil }
        let fetch = ProfileFetch(url, headers: [:], timeout: 3)
        fetch.start()
        guard case .answered(200, let body)? = fetch.wait(4),
            let info = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            info["Browser"] as? String == "Bun"
        else { return nil }
        return FlameGraphError(
            .unavailable,
            "the inspector at \(hostPort) is Bun's (WebKit protocol, not Chrome's): use `flame-graph bun --inspect ws://\(hostPort)/ID` with the URL Bun printed, or `flame-graph bun --pid PID`"
        )
    }
}
