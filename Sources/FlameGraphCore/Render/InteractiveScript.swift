/// The JavaScript and CSS embedded in every SVG the renderer writes (see docs/SVG_FORMAT.md).
///
/// `javaScript` goes inside `<script type="text/ecmascript"><![CDATA[ … ]]>` right after the renderer's
/// `var fg = {…};` line, so it must never contain the CDATA terminator. `css` goes into
/// `<style type="text/css">` as plain character data, so it must not contain `<` or `&`.
/// Fonts, sizes and positions are left to the renderer's presentation attributes: a CSS rule would
/// override them and ignore `--font-size` and friends.
enum InteractiveScript {
    /// The script, from `InteractiveScript.js` and `InteractiveSearch.js` (embedded at build time by
    /// the EmbedText plugin).
    static let javaScript: String = EmbeddedFiles.interactiveScript + "\n" + EmbeddedFiles.interactiveSearch + "\n"

    static let css: String = #"""
        #frames g { cursor: pointer; }
        #frames g:hover rect { stroke: black; stroke-width: 0.5; }
        #frames text { pointer-events: none; }
        .hide { display: none; }
        .parent { opacity: 0.5; }
        #unzoom, #search, #ignorecase { cursor: pointer; }
        #search, #ignorecase { opacity: 0.1; }
        #search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity: 1; }
        """#
}

/// String constants generated at build time from the target's `.js` files (Plugins/EmbedText).
enum EmbeddedFiles {}
