/// Placeholder until the interactive script lands.
enum InteractiveScript {
    static let javaScript = "function init(evt) {}\n"
    static let css = "text { }\n"
}
