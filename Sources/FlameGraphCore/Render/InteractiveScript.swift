/// The JavaScript and CSS embedded in every SVG the renderer writes (see docs/SVG_FORMAT.md).
///
/// `javaScript` goes inside `<script type="text/ecmascript"><![CDATA[ … ]]>` right after the renderer's
/// `var fg = {…};` line, so it must never contain the CDATA terminator. `css` goes into
/// `<style type="text/css">` as plain character data, so it must not contain `<` or `&`.
/// Fonts, sizes and positions are left to the renderer's presentation attributes: a CSS rule would
/// override them and ignore `--font-size` and friends.
enum InteractiveScript {
    static let javaScript: String = #"""
        // Hover details, click-to-zoom, regex search and URL state for a flame-graph SVG.
        // Plain ES5 on purpose: SVGs get opened in old viewers and IDE previews, not only browsers.

        var FG_NS = "http://github.com/jonhoo/inferno";
        var frames = [];        // one record per frame <g> in #frames, in document order
        var framesWidth = 0;    // width of #frames in user units: the 100% that rect percentages refer to
        var charWidth = 1;      // fg.fontsize * fg.fontwidth: the estimated width of one label character
        var details, unzoomButton, searchButton, ignorecaseButton, matchedText;
        var zoomed = null;      // the zoomed frame record, or null when the whole graph is shown
        var searchTerm = null;  // source of the active search regex, or null
        var ignoreCase = false;
        var highlighted = [];   // rects whose fill the search replaced, so clearing is cheap
        var started = false;

        function init(evt) {
            if (started) return;  // some viewers fire onload twice
            started = true;
            details = byId("details");
            unzoomButton = byId("unzoom");
            searchButton = byId("search");
            ignorecaseButton = byId("ignorecase");
            matchedText = byId("matched");
            charWidth = (fg.fontsize || 12) * (fg.fontwidth || 0.59);

            var container = byId("frames");
            if (container) {
                framesWidth = containerWidth(container);
                collectFrames(container);
                computeDepths();
                // One listener per event on the container instead of one per frame: graphs can have
                // tens of thousands of frames.
                container.addEventListener("mouseover", function (e) {
                    var f = frameOf(container, e.target);
                    if (f) setText(details, fg.nametype + " " + f.title);
                });
                container.addEventListener("mouseout", function (e) {
                    if (frameOf(container, e.target)) setText(details, " ");
                });
                container.addEventListener("click", function (e) {
                    var f = frameOf(container, e.target);
                    if (!f) return;
                    zoom(f);
                    updateUrl();
                });
            }
            listen(unzoomButton, "click", function () { unzoom(); updateUrl(); });
            listen(searchButton, "click", function () {
                // inferno-like: the button starts a search, or clears the one shown
                if (searchTerm !== null) clearSearch(); else askForSearch();
            });
            listen(ignorecaseButton, "click", function () {
                setIgnoreCase(!ignoreCase);
                if (searchTerm !== null) search(searchTerm);
                updateUrl();
            });
            window.addEventListener("keydown", function (e) {
                var key = e.key || "";
                if ((e.ctrlKey || e.metaKey) && (key === "f" || key === "F" || e.keyCode === 70)) {
                    e.preventDefault();  // our search, not the browser's find bar
                    askForSearch();
                } else if (key === "Escape" || key === "Esc" || e.keyCode === 27) {
                    if (searchTerm !== null) clearSearch();
                }
            });
            restoreFromUrl();
        }

        // ---- helpers ----------------------------------------------------------------------------

        function byId(id) { return document.getElementById(id); }

        function listen(el, type, fn) { if (el) el.addEventListener(type, fn); }

        function setText(el, s) { if (el) el.textContent = s; }

        function addClass(el, c) { if (el) el.classList.add(c); }

        function removeClass(el, c) { if (el) el.classList.remove(c); }

        function firstChild(el, localName) {
            for (var n = el.firstChild; n; n = n.nextSibling) {
                if (n.nodeType === 1 && n.localName === localName) return n;
            }
            return null;
        }

        // Reads fg:x / fg:w; the prefixed name works in XML documents, the namespace lookup elsewhere.
        function fgAttr(el, name) {
            var v = el.getAttribute("fg:" + name);
            if (v === null) v = el.getAttributeNS(FG_NS, name);
            return v;
        }

        // Percentages with a bounded number of digits: enough for deep zooms, short in the DOM.
        function pct(v) { return (Math.round(v * 10000) / 10000) + "%"; }

        function containerWidth(container) {
            var attr = container.getAttribute("width") || "";
            var w = parseFloat(attr);
            if (w > 0 && attr.indexOf("%") < 0) return w;
            var total = parseFloat(document.documentElement.getAttribute("width"));
            return total > 0 ? total - 2 * (fg.xpad || 0) : 1000;
        }

        // ---- frame records ----------------------------------------------------------------------

        function collectFrames(container) {
            var total = fg.total || 0;
            for (var g = container.firstChild; g; g = g.nextSibling) {
                if (g.nodeType !== 1 || g.localName !== "g") continue;
                var rect = firstChild(g, "rect");
                if (!rect) continue;
                var title = firstChild(g, "title");
                var text = firstChild(g, "text");
                var tip = title ? title.textContent : "";
                var cut = tip.lastIndexOf(" (");  // "NAME (N samples, P%)": the name may hold " (" too
                var rx = rect.getAttribute("x") || "0";
                var xAttr = fgAttr(rect, "x");
                var wAttr = fgAttr(rect, "w");
                var f = {
                    g: g, rect: rect, text: text, title: tip,
                    name: cut >= 0 ? tip.substring(0, cut) : tip,
                    // Without fg:x/fg:w (foreign SVGs) fall back to the drawn percentages.
                    x: xAttr !== null ? parseFloat(xAttr) : parseFloat(rx) * total / 100,
                    w: wAttr !== null ? parseFloat(wAttr) : parseFloat(rect.getAttribute("width")) * total / 100,
                    xAttr: xAttr !== null ? xAttr : String(parseFloat(rx) * total / 100),
                    y: parseFloat(rect.getAttribute("y")) || 0,
                    height: parseFloat(rect.getAttribute("height")) || 0,
                    depth: 0,
                    // Originals, so Reset Zoom restores exactly what the renderer wrote.
                    origX: rx, origW: rect.getAttribute("width"),
                    origTextX: text ? text.getAttribute("x") : null,
                    origLabel: text ? text.textContent : "",
                    textOffset: 0
                };
                if (text) {
                    var tx = f.origTextX || "";
                    // The label's inset from the rect, in percent; it stays constant while zooming.
                    f.textOffset = tx.indexOf("%") >= 0 && rx.indexOf("%") >= 0
                        ? parseFloat(tx) - parseFloat(rx) : 300 / framesWidth;
                }
                g._fgFrame = f;
                frames.push(f);
            }
        }

        // Depth comes from the rows alone: the root ("all") is the bottom row, or the top row when
        // inverted, and rows are one frame height apart.
        function computeDepths() {
            if (frames.length === 0) return;
            var seen = {}, rows = [];
            for (var i = 0; i < frames.length; i++) {
                var y = frames[i].y;
                if (!seen.hasOwnProperty(y)) { seen[y] = true; rows.push(y); }
            }
            rows.sort(function (a, b) { return a - b; });
            var step = 0;
            for (var j = 1; j < rows.length; j++) {
                var d = rows[j] - rows[j - 1];
                if (d > 0 && (step === 0 || d < step)) step = d;
            }
            if (step === 0) step = frames[0].height + 1;
            if (!(step > 0)) step = 1;
            var rootY = fg.inverted ? rows[0] : rows[rows.length - 1];
            for (var k = 0; k < frames.length; k++) {
                frames[k].depth = Math.round(Math.abs(frames[k].y - rootY) / step);
            }
        }

        // The frame record whose <g> contains `node`, or null (e.g. the container itself).
        function frameOf(container, node) {
            while (node && node !== container) {
                if (node.parentNode === container) return node._fgFrame || null;
                node = node.parentNode;
            }
            return null;
        }

        // ---- zoom -------------------------------------------------------------------------------

        // The label that fits `width` user units: the whole name, a prefix plus "..", or nothing.
        // With fg.truncateleft the end of the name is kept instead (".." plus a suffix).
        function fitLabel(name, width) {
            if (width < 3 * charWidth) return "";
            var chars = Math.floor(width / charWidth);
            if (name.length <= chars) return name;
            if (fg.truncateleft) return ".." + name.substring(name.length - (chars - 2));
            return name.substring(0, chars - 2) + "..";
        }

        function place(f, xPercent, wPercent) {
            f.rect.setAttribute("x", pct(xPercent));
            f.rect.setAttribute("width", pct(wPercent));
            if (f.text) {
                f.text.setAttribute("x", pct(xPercent + f.textOffset));
                f.text.textContent = fitLabel(f.name, wPercent / 100 * framesWidth);
            }
        }

        function zoom(target) {
            if (target.depth === 0 || !(target.w > 0)) { unzoom(); return; }  // the root is the full view
            zoomed = target;
            var lo = target.x, hi = target.x + target.w;
            var eps = target.w * 1e-9;  // fg:x values may be fractional weights
            for (var i = 0; i < frames.length; i++) {
                var f = frames[i];
                var end = f.x + f.w;
                if (f.depth >= target.depth && f.x >= lo - eps && end <= hi + eps) {
                    // the target and its descendants: stretch [lo, hi) to the full width
                    removeClass(f.g, "hide");
                    removeClass(f.g, "parent");
                    place(f, (f.x - lo) / target.w * 100, f.w / target.w * 100);
                } else if (f.depth < target.depth && f.x <= lo + eps && end >= hi - eps) {
                    // ancestors stay visible as full-width context, dimmed
                    removeClass(f.g, "hide");
                    addClass(f.g, "parent");
                    place(f, 0, 100);
                } else {
                    addClass(f.g, "hide");
                }
            }
            removeClass(unzoomButton, "hide");
        }

        function unzoom() {
            zoomed = null;
            for (var i = 0; i < frames.length; i++) {
                var f = frames[i];
                removeClass(f.g, "hide");
                removeClass(f.g, "parent");
                f.rect.setAttribute("x", f.origX);
                f.rect.setAttribute("width", f.origW);
                if (f.text) {
                    f.text.setAttribute("x", f.origTextX);
                    f.text.textContent = f.origLabel;
                }
            }
            addClass(unzoomButton, "hide");
        }

        // ---- search -----------------------------------------------------------------------------

        function askForSearch() {
            var term = window.prompt("Search for a regular expression (e.g. ^std::)", searchTerm || "");
            if (term === null || term === "") return;  // cancelled
            search(term);
            updateUrl();
        }

        function clearHighlights() {
            for (var i = 0; i < highlighted.length; i++) {
                var rect = highlighted[i];
                rect.setAttribute("fill", rect.getAttribute("data-orig-fill"));
                rect.removeAttribute("data-orig-fill");
            }
            highlighted = [];
        }

        function clearSearch() {
            clearHighlights();
            searchTerm = null;
            removeClass(searchButton, "show");
            setText(matchedText, " ");
            updateUrl();
        }

        function setIgnoreCase(on) {
            ignoreCase = on;
            if (on) addClass(ignorecaseButton, "show"); else removeClass(ignorecaseButton, "show");
        }

        function search(term) {
            clearHighlights();
            var re = null;
            try { re = new RegExp(term, ignoreCase ? "i" : ""); } catch (err) { re = null; }
            if (re === null) {
                // An invalid regex matches nothing; say so by showing no search at all.
                searchTerm = null;
                removeClass(searchButton, "show");
                setText(matchedText, " ");
                return;
            }
            searchTerm = term;
            var spans = [];
            for (var i = 0; i < frames.length; i++) {
                var f = frames[i];
                if (!re.test(f.name)) continue;
                if (f.rect.getAttribute("data-orig-fill") === null) {
                    f.rect.setAttribute("data-orig-fill", f.rect.getAttribute("fill") || "");
                }
                f.rect.setAttribute("fill", fg.searchcolor);
                highlighted.push(f.rect);
                spans.push(f);
            }
            addClass(searchButton, "show");
            var total = fg.total > 0 ? fg.total : rootWeight();
            var share = total > 0 ? 100 * coveredWeight(spans) / total : 0;
            setText(matchedText, "Matched: " + share.toFixed(2) + "%");
        }

        function rootWeight() {
            for (var i = 0; i < frames.length; i++) if (frames[i].depth === 0) return frames[i].w;
            return 0;
        }

        // Weight covered by the union of [x, x+w): a match nested in another match counts once.
        function coveredWeight(spans) {
            spans.sort(function (a, b) { return a.x - b.x; });
            var covered = 0, start = 0, end = -Infinity;
            for (var i = 0; i < spans.length; i++) {
                var s = spans[i].x, e = spans[i].x + spans[i].w;
                if (s > end) {
                    if (end > start) covered += end - start;
                    start = s;
                    end = e;
                } else if (e > end) {
                    end = e;
                }
            }
            if (end > start) covered += end - start;
            return covered;
        }

        // ---- URL state --------------------------------------------------------------------------

        // ?s=REGEX&i=1&x=FG_X&y=DEPTH, each part only when it applies.
        function updateUrl() {
            var parts = [];
            if (searchTerm !== null) parts.push("s=" + encodeURIComponent(searchTerm));
            if (ignoreCase) parts.push("i=1");
            if (zoomed) parts.push("x=" + encodeURIComponent(zoomed.xAttr), "y=" + zoomed.depth);
            try {
                var url = location.pathname + (parts.length ? "?" + parts.join("&") : "") + location.hash;
                history.replaceState(history.state, "", url);
            } catch (err) {
                // file:// pages and embedded viewers may refuse; the view itself is already updated.
            }
        }

        function readQuery() {
            var query = "";
            try { query = location.search || ""; } catch (err) { return {}; }
            var params = {};
            var pairs = query.replace(/^\?/, "").split("&");
            for (var i = 0; i < pairs.length; i++) {
                if (pairs[i] === "") continue;
                var eq = pairs[i].indexOf("=");
                var key = eq >= 0 ? pairs[i].substring(0, eq) : pairs[i];
                var value = eq >= 0 ? pairs[i].substring(eq + 1) : "";
                try {
                    params[decodeURIComponent(key)] = decodeURIComponent(value.replace(/\+/g, " "));
                } catch (err) {
                    // malformed %-escape: ignore just this parameter
                }
            }
            return params;
        }

        function restoreFromUrl() {
            var params = readQuery();
            if (params.i === "1") setIgnoreCase(true);
            if (params.x !== undefined && params.y !== undefined) {
                var x = parseFloat(params.x), depth = parseInt(params.y, 10);
                var eps = 1e-9 * Math.max(1, Math.abs(x));
                for (var i = 0; i < frames.length; i++) {
                    if (frames[i].depth === depth && Math.abs(frames[i].x - x) <= eps) {
                        zoom(frames[i]);
                        break;
                    }
                }
            }
            if (params.s) search(params.s);
        }
        """#

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
