import FlameGraphCore

/// The folded text of a profile, as `FoldedWriter` writes it: what tests print and compare.
public func foldedText(_ profile: Profile) -> String {
    String(decoding: FoldedWriter.write(profile), as: UTF8.self)
}
