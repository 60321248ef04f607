// Search (regex over frame names, highlighting, the share matched in view) and URL state for a
// flame-graph SVG; loaded after InteractiveScript.js, whose globals it uses.

// ---- search -----------------------------------------------------------------------------

function askForSearch() {
    var term = window.prompt("Search for a regular expression (e.g. ^std::)", searchTerm || "");
    if (term === null || term === "") return;  // cancelled
    search(term);
    updateUrl();
}

function clearHighlights() {
    for (var i = 0; i < highlighted.length; i++) {
        var f = highlighted[i];
        f.rect.setAttribute("fill", f.rect.getAttribute("data-orig-fill"));
        f.rect.removeAttribute("data-orig-fill");
        setLightText(f, f.lightText);
    }
    highlighted = [];
}

function setLightText(f, light) {
    if (!f.text) return;
    if (light) f.text.setAttribute("class", "l"); else f.text.removeAttribute("class");
}

function showSearchActive(on) {
    if (on) addClass(searchButton, "show"); else removeClass(searchButton, "show");
    setText(searchButton, on ? "Reset Search" : "Search");
}

function clearSearch() {
    clearHighlights();
    searchTerm = null;
    showSearchActive(false);
    setText(matchedText, " ");
    updateUrl();
}

function setIgnoreCase(on) {
    ignoreCase = on;
    if (on) addClass(ignorecaseButton, "show"); else removeClass(ignorecaseButton, "show");
}

// Whether a frame is on screen in the current view: everything unzoomed; when zoomed, the
// zoomed frame, its descendants and its ancestors.
function inView(f) {
    if (!zoomed) return true;
    var lo = zoomed.x, hi = zoomed.x + zoomed.w, eps = zoomed.w * 1e-9;
    if (f.depth >= zoomed.depth) return f.x >= lo - eps && f.x + f.w <= hi + eps;
    return f.x <= lo + eps && f.x + f.w >= hi - eps;
}

function search(term) {
    clearHighlights();
    var re = null, problem = "";
    try { re = new RegExp(term, ignoreCase ? "i" : ""); } catch (err) { problem = String(err.message || err); }
    if (re === null) {
        // Say why instead of silently matching nothing; the previous search is gone.
        searchTerm = null;
        showSearchActive(false);
        if (problem.length > 80) problem = problem.substring(0, 77) + "...";
        setText(matchedText, "Invalid regex: " + problem);
        return;
    }
    searchTerm = term;
    var light = searchTextIsLight();
    var spans = [];
    for (var i = 0; i < frames.length; i++) {
        var f = frames[i];
        if (!re.test(f.name)) continue;
        if (f.rect.getAttribute("data-orig-fill") === null) {
            f.rect.setAttribute("data-orig-fill", f.rect.getAttribute("fill") || "");
        }
        f.rect.setAttribute("fill", fg.searchcolor);
        setLightText(f, light);
        highlighted.push(f);
        if (inView(f)) spans.push(clip(f));
    }
    showSearchActive(true);
    // The share of what is in view: of the zoomed frame when zoomed, else of everything.
    var total = zoomed ? zoomed.w : (fg.total > 0 ? fg.total : rootWeight());
    var share = total > 0 ? 100 * coveredWeight(spans) / total : 0;
    setText(matchedText, "Matched: " + share.toFixed(2) + "%" + (zoomed ? " of view" : ""));
}

// A frame's span limited to the zoomed frame (ancestors cover the whole view).
function clip(f) {
    if (!zoomed) return {x: f.x, w: f.w};
    var lo = Math.max(f.x, zoomed.x), hi = Math.min(f.x + f.w, zoomed.x + zoomed.w);
    return {x: lo, w: Math.max(0, hi - lo)};
}

// White or black text on the search colour, whichever contrasts more (as the renderer picks).
function searchTextIsLight() {
    var c = parseColor(fg.searchcolor);
    if (!c) return false;
    var l = luminance(c);
    return 1.05 / (l + 0.05) > (l + 0.05) / 0.05;
}

function parseColor(s) {
    var m = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(s || "");
    if (m) return [+m[1], +m[2], +m[3]];
    m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s || "");
    if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
    m = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(s || "");
    if (m) return [parseInt(m[1] + m[1], 16), parseInt(m[2] + m[2], 16), parseInt(m[3] + m[3], 16)];
    return null;
}

function luminance(c) {
    var sum = 0, weights = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i++) {
        var v = c[i] / 255;
        v = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        sum += weights[i] * v;
    }
    return sum;
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
