// Hover details, click-to-zoom, regex search and URL state for a flame-graph SVG.
// Plain ES5 on purpose: SVGs get opened in old viewers and IDE previews, not only browsers.

var FG_NS = "http://github.com/jonhoo/inferno";
var frames = [];        // one record per frame <g> in #frames, in document order
var framesWidth = 0;    // width of #frames in user units: the 100% that rect percentages refer to
var inset = 3;          // space between a frame's edges and its label, in user units
var glyphs = {};        // measured advance width of each character in the label font
var measurer = null;    // a hidden <text> in #frames that measures glyphs
var svgRoot = null, container = null;
var baseWidth = 0;      // the width the renderer drew for; the legend is centred on it
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
    inset = fg.textinset >= 0 ? fg.textinset : 3;
    svgRoot = document.documentElement;
    baseWidth = parseFloat(svgRoot.getAttribute("width")) || 0;

    container = byId("frames");
    if (container) {
        if (fg.fluid) followWindowWidth();
        framesWidth = containerWidth(container);
        collectFrames(container);
        computeDepths();
        measureGlyphs();
        refitLabels();
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

// The graph fills the window like inferno's: the root <svg> loses its fixed width (rects are
// percentages of #frames), and the right-hand buttons and the labels follow every resize.
function followWindowWidth() {
    svgRoot.removeAttribute("width");
    svgRoot.removeAttribute("viewBox");
    svgRoot.style.width = "100%";
    relayout();
    var pending = false;
    window.addEventListener("resize", function () {
        if (pending) return;
        pending = true;
        window.requestAnimationFrame(function () { pending = false; relayout(); refitLabels(); });
    });
}

function relayout() {
    var w = svgRoot.getBoundingClientRect().width || baseWidth;
    var xpad = fg.xpad || 10;
    container.setAttribute("width", String(Math.max(1, w - 2 * xpad)));
    framesWidth = Math.max(1, w - 2 * xpad);
    if (searchButton) searchButton.setAttribute("x", String(w - 34));
    if (ignorecaseButton) ignorecaseButton.setAttribute("x", String(w - xpad));
    if (matchedText) matchedText.setAttribute("x", String(w - xpad));
    var legend = byId("legend");
    if (legend && baseWidth > 0) legend.setAttribute("transform", "translate(" + (w - baseWidth) / 2 + ",0)");
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
        var cut = tip.lastIndexOf(" (");  // "NAME (WEIGHT, P%)": the name may hold " (" too
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
            lightText: text ? text.getAttribute("class") === "l" : false
        };
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

// ---- labels -----------------------------------------------------------------------------

// Measures every character the labels use, in one pass before any label changes, so the
// browser lays the page out once instead of once per measurement.
function measureGlyphs() {
    measurer = document.createElementNS("http://www.w3.org/2000/svg", "text");
    measurer.setAttribute("x", "0");
    measurer.setAttribute("y", "-100");
    measurer.setAttribute("visibility", "hidden");
    container.appendChild(measurer);
    var seen = {}, chars = [".", "W"];
    for (var i = 0; i < frames.length; i++) {
        var name = frames[i].name;
        for (var k = 0; k < name.length; k++) {
            var c = name.charAt(k);
            if (!seen[c]) { seen[c] = true; chars.push(c); }
        }
    }
    for (var j = 0; j < chars.length; j++) glyphWidth(chars[j]);
}

function glyphWidth(c) {
    var w = glyphs[c];
    if (w === undefined) {
        measurer.textContent = c;
        w = measurer.getComputedTextLength();
        // Half of a surrogate pair measures as nothing useful: charge a wide glyph for it.
        if (!(w > 0)) w = glyphs["W"] || (fg.fontsize || 12) * 0.6;
        glyphs[c] = w;
    }
    return w;
}

// The label that fits `width` user units with the inset on both sides: the whole name, a
// prefix plus "..", or nothing (fg.truncateleft keeps the end: ".." plus a suffix).
function fitLabel(name, width) {
    var room = width - 2 * inset;
    if (!(room > 0)) return "";
    var total = 0, i;
    for (i = 0; i < name.length; i++) total += glyphWidth(name.charAt(i));
    if (total <= room) return name;
    var budget = room - 2 * glyphWidth("."), used = 0, n = 0;
    if (fg.truncateleft) {
        for (i = name.length - 1; i >= 0; i--) {
            used += glyphWidth(name.charAt(i));
            if (used > budget) break;
            n++;
        }
        var from = name.length - n;
        if (n > 0 && isLowSurrogate(name.charCodeAt(from))) { from++; n--; }
        return n >= 1 ? ".." + name.substring(from) : "";
    }
    for (i = 0; i < name.length; i++) {
        used += glyphWidth(name.charAt(i));
        if (used > budget) break;
        n++;
    }
    if (n > 0 && isHighSurrogate(name.charCodeAt(n - 1))) n--;
    return n >= 1 ? name.substring(0, n) + ".." : "";
}

function isHighSurrogate(u) { return u >= 0xD800 && u <= 0xDBFF; }

function isLowSurrogate(u) { return u >= 0xDC00 && u <= 0xDFFF; }

function setLabel(f, wPercent) {
    if (!f.text) return;
    var label = fitLabel(f.name, wPercent / 100 * framesWidth);
    if (f.text.textContent !== label) f.text.textContent = label;
}

// Labels for the current width: after load (the renderer could only estimate glyph widths),
// after a resize, and after Reset Zoom. Frames too narrow for any label are skipped cheaply.
function refitLabels() {
    var minimum = 2 * inset + 3 * glyphWidth(".");
    for (var i = 0; i < frames.length; i++) {
        var f = frames[i];
        if (!f.text) continue;
        var w = parseFloat(f.rect.getAttribute("width")) || 0;
        if (w / 100 * framesWidth < minimum && f.text.firstChild === null) continue;
        setLabel(f, w);
    }
}

function place(f, xPercent, wPercent) {
    f.rect.setAttribute("x", pct(xPercent));
    f.rect.setAttribute("width", pct(wPercent));
    if (f.text) {
        f.text.setAttribute("x", pct(xPercent));  // the inset is the label's dx, in pixels
        setLabel(f, wPercent);
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
    if (searchTerm !== null) search(searchTerm);
}

function unzoom() {
    zoomed = null;
    for (var i = 0; i < frames.length; i++) {
        var f = frames[i];
        removeClass(f.g, "hide");
        removeClass(f.g, "parent");
        f.rect.setAttribute("x", f.origX);
        f.rect.setAttribute("width", f.origW);
        if (f.text) f.text.setAttribute("x", f.origTextX);
    }
    refitLabels();
    addClass(unzoomButton, "hide");
    if (searchTerm !== null) search(searchTerm);
}
