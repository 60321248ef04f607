#!/usr/bin/env python3
"""Drives Debian's Chromium through Playwright over a flame-graph SVG and checks its script.

    python3 Tests/Browser/test_svg.py GRAPH.svg [SCREENSHOT_DIR] [--hover NAME] [--zoom NAME]
                                      [--search REGEX] [--max-zoom-ms MS]

Needs `pip install playwright` and `apt-get install chromium`; it never downloads a browser. Frame
names default to ones derived from the SVG (the widest frames), so it works on any graph we render.
Checks: no page errors; hover details; click-to-zoom geometry, hiding, ancestors and labels; Reset
Zoom; search highlighting and the Matched percentage (recomputed here from fg:x/fg:w, nested
matches counted once; of the view when zoomed); the Search button turning into Reset Search; an
invalid regex shown as an error; ignore case; Ctrl+F and Esc; URL state written and restored.
Readability, measured in the page: no label overflows its frame (text length against the rect, in
pixels) and each label uses the room it has; every label's colour contrasts >= 4.5:1 with its fill;
the graph follows the window width and refits its labels on resize (or keeps --width when fixed).
Prints `N passed, M failed` last and exits non-zero on any failure. Under pytest,
`test_sample_svg` runs it on Tests/Browser/sample.svg.
"""

import argparse
import re
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from svg_model import (  # noqa: E402  (the page-independent half: frames, JS probes, arithmetic)
    CHROMIUM, LABELS_JS, READ_FRAMES_JS, assign_depths, clipped, covered, label_report, pick_search_regex,
    parse_svg, pct_value, percent_text)

class Run:
    def __init__(self, svg, out_dir, opts):
        self.svg, self.out_dir, self.opts = Path(svg).resolve(), Path(out_dir), opts
        self.url = self.svg.as_uri()
        self.passed = self.failed = 0
        self.errors = []
        self.answers = []  # replies queued for window.prompt
        self.frames, self.frames_width = parse_svg(self.svg)

    # ---- bookkeeping ----

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok   {what}")
        else:
            self.failed += 1
            print(f"  FAIL {what}" + (f": {detail}" if detail else ""))
        return ok

    def check_no_errors(self, phase):
        errors, self.errors = self.errors, []
        self.check(not errors, f"no page errors during {phase}", "; ".join(errors))

    def shot(self, name):
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.out_dir / f"{name}.png"))

    def on_dialog(self, dialog):
        if dialog.type == "prompt" and self.answers:
            dialog.accept(self.answers.pop(0))
        else:
            self.errors.append(f"unexpected {dialog.type} dialog: {dialog.message!r}")
            dialog.dismiss()

    def load(self, query=""):
        self.page.goto(self.url + query)
        self.page.wait_for_load_state("load")

    def state(self):
        return self.page.evaluate(READ_FRAMES_JS)

    def text(self, element_id):
        return self.page.evaluate(f"() => (document.getElementById('{element_id}') || {{}}).textContent")

    def classes(self, element_id):
        return (self.page.get_attribute(f"#{element_id}", "class") or "").split()

    def query(self):
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.page.url).query)

    def g(self, frame):
        return self.page.locator("#frames > g").nth(frame.index)

    def search_via_button(self, regex):
        self.answers.append(regex)
        self.page.click("#search")

    # ---- choosing frames ----

    def named(self, name, what):
        matches = [f for f in self.frames if f.name == name]
        if not matches:
            sys.exit(f"test_svg: no frame named {name!r} for {what}")
        return max(matches, key=lambda f: f.w)

    def pick_hover(self):
        if self.opts.hover:
            return self.named(self.opts.hover, "--hover")
        rest = [f for f in self.frames if f.depth > 0]
        return max(rest, key=lambda f: f.w) if rest else None

    def pick_zoom(self):
        if self.opts.zoom:
            return self.named(self.opts.zoom, "--zoom")
        # The widest frame that leaves something outside it, so hiding can be checked; one at depth 2
        # or more if possible, so several ancestors get checked.
        rest = [f for f in self.frames if f.depth > 0 and f.w > 0 and any(self.outside(o, f) for o in self.frames)]
        return max(rest, key=lambda f: (min(f.depth, 2), f.w)) if rest else None

    @staticmethod
    def outside(other, target):
        return other.end <= target.x or other.x >= target.end

    def pick_search(self):
        return self.opts.search or pick_search_regex(self.frames)

    def js_matches(self, regex, ignore_case):
        return self.page.evaluate(
            "([src, flags, names]) => names.map(n => new RegExp(src, flags).test(n))",
            [regex, "i" if ignore_case else "", [f.name for f in self.frames]])

    # ---- checks ----

    def run(self):
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                self.page = browser.new_page(viewport={"width": 1300, "height": 900})
                self.page.set_default_timeout(5000)  # a missing element should fail fast, not in 30 s
                self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
                self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
                self.page.on("dialog", self.on_dialog)
                self.load()
                self.fg = self.page.evaluate("() => typeof fg === 'object' ? fg : null")
                if not self.check(self.fg is not None, "the page defines `var fg`"):
                    return
                assign_depths(self.frames, bool(self.fg.get("inverted")))
                print(f"{self.svg.name}: {len(self.frames)} frames, total {self.fg.get('total')}")
                self.loaded = self.state()
                self.frames_width = self.page.evaluate("() => document.getElementById('frames').width.baseVal.value")
                self.check_initial()
                self.check_labels("load")
                self.check_width()
                self.shot("01-loaded")
                self.check_hover()
                self.check_zoom()
                self.check_search()
                self.check_ignore_case_and_keys()
                self.check_url_state()
                self.check_no_errors("the whole run")
            finally:
                browser.close()

    def check_initial(self):
        self.check("hide" in self.classes("unzoom"), "#unzoom starts hidden")
        self.check(self.text("details") in (" ", ""), "#details starts blank", repr(self.text("details")))
        self.check_no_errors("load")

    def check_labels(self, when):
        labels = self.page.evaluate(LABELS_JS)
        r = label_report(labels)
        self.check(not r["over"], f"{when}: 0 of {len(labels)} labels overflow their frame",
                   "; ".join(r["over"][:3]) + f" ({len(r['over'])} in all)")
        self.check(not r["bad"], f"{when}: labels are the name or a '..'-cut of it", "; ".join(r["bad"][:3]))
        self.check(not r["wasted"], f"{when}: cut labels use the room they have", "; ".join(r["wasted"][:3]))
        self.check(not r["low"], f"{when}: every label contrasts >= 4.5:1 with its fill", "; ".join(r["low"][:3]))
        return labels

    def check_width(self):
        svg_w = lambda: self.page.evaluate("() => document.documentElement.getBoundingClientRect().width")
        if self.fg.get("fluid"):
            self.check(abs(svg_w() - 1300) < 1, "the graph fills the window (1300 px)", f"{svg_w():.0f} px")
            self.page.set_viewport_size({"width": 900, "height": 900})
            self.page.wait_for_timeout(150)
            fw = self.page.evaluate("() => document.getElementById('frames').width.baseVal.value")
            self.check(abs(svg_w() - 900) < 1 and abs(fw - (900 - 2 * self.fg.get("xpad", 10))) < 1,
                       "after a resize to 900 px the graph and #frames follow", f"svg {svg_w():.0f}, frames {fw:.0f}")
            self.check_labels("900 px window")
            self.page.set_viewport_size({"width": 1300, "height": 900})
            self.page.wait_for_timeout(150)
            self.check(self.state() == self.loaded, "back at 1300 px the labels are as loaded")
        else:
            want = float(ET.parse(self.svg).getroot().get("width"))
            self.page.set_viewport_size({"width": 900, "height": 900})
            self.page.wait_for_timeout(150)
            self.check(abs(svg_w() - want) < 1, f"a fixed-width graph keeps its {want:.0f} px in a 900 px window",
                       f"{svg_w():.0f} px")
            self.page.set_viewport_size({"width": 1300, "height": 900})
            self.page.wait_for_timeout(150)

    def check_hover(self):
        frame = self.pick_hover()
        if frame is None:
            print("  skip hover: no frame besides the root")
            return
        self.g(frame).hover()
        want = f"{self.fg['nametype']} {frame.title}"
        self.check(self.text("details") == want, f"hover {frame.name!r} shows details", repr(self.text("details")))
        self.shot("02-hover")
        self.page.mouse.move(1, 1)
        self.check(self.text("details") == " ", "mouse out restores #details to ' '", repr(self.text("details")))
        self.check_no_errors("hover")

    def check_zoom(self):
        target = self.pick_zoom()
        if target is None:
            print("  skip zoom: no frame leaves anything outside it")
            return
        self.g(target).click()
        self.check_zoomed(target, "click")
        self.shot("03-zoomed")
        q = self.query()
        self.check(q.get("x") == [target.x_attr] and q.get("y") == [str(target.depth)],
                   "zoom writes x= and y= to the URL", self.page.url)
        root = next((f for f in self.frames if f.depth == 0), None)
        if root is not None:
            self.g(root).click()  # the dimmed root: zooming to it is the full view
            self.check_unzoomed("clicking the root")
            self.g(target).click()
        self.page.click("#unzoom")
        self.check_unzoomed("Reset Zoom")
        self.check("x" not in self.query() and "y" not in self.query(), "Reset Zoom drops x/y from the URL", self.page.url)
        self.check_no_errors("zoom")

    def check_zoomed(self, target, how):
        st = self.state()
        t = st[target.index]
        self.check(abs(pct_value(t["w"]) - 100) < 0.01 and abs(pct_value(t["x"])) < 0.01,
                   f"{how}: {target.name!r} fills the width", f"x={t['x']} width={t['w']}")
        self.check("hide" not in self.classes("unzoom") and self.page.is_visible("#unzoom"),
                   f"{how}: Reset Zoom is visible")
        outside = [f for f in self.frames if self.outside(f, target)]
        if outside:
            o = max(outside, key=lambda f: f.w)
            self.check(not st[o.index]["shown"] and not self.g(o).is_visible(),
                       f"{how}: {o.name!r} outside the zoomed frame is hidden")
        bad_geometry, bad_vis, bad_parent = [], [], []
        for f, s in zip(self.frames, st):
            if f.depth >= target.depth and target.contains(f):
                want_x, want_w = float((f.x - target.x) / target.w * 100), float(f.w / target.w * 100)
                if "parent" in s["cls"].split():
                    bad_parent.append(f.name)
            elif f.depth < target.depth and f.contains(target):
                want_x, want_w = 0.0, 100.0
                if "parent" not in s["cls"].split():
                    bad_parent.append(f.name)
            else:
                if s["shown"]:
                    bad_vis.append(f.name)
                continue
            if not s["shown"]:
                bad_vis.append(f.name)
            if abs(pct_value(s["x"]) - want_x) > 0.001 or abs(pct_value(s["w"]) - want_w) > 0.001:
                bad_geometry.append(f"{f.name} x={s['x']} w={s['w']} want {want_x:.4f}%/{want_w:.4f}%")
        self.check(not bad_vis, f"{how}: exactly the zoomed frame, its descendants and ancestors are shown",
                   ", ".join(bad_vis[:5]))
        self.check(not bad_parent, f"{how}: ancestors (and only they) have class parent", ", ".join(bad_parent[:5]))
        self.check(not bad_geometry, f"{how}: frames rescaled from fg:x/fg:w", "; ".join(bad_geometry[:3]))
        self.check_labels(how)

    def check_unzoomed(self, how):
        st = self.state()
        changed = [f.name for f, s, s0 in zip(self.frames, st, self.loaded)
                   if (s["x"], s["w"], s["tx"], s["label"]) != (s0["x"], s0["w"], s0["tx"], s0["label"])
                   or not s["shown"] or "parent" in s["cls"].split()]
        self.check(not changed, f"{how}: every frame is back as rendered", ", ".join(changed[:5]))
        self.check("hide" in self.classes("unzoom"), f"{how}: Reset Zoom hidden again")

    def check_search_result(self, regex, ignore_case, what, zoomed=None):
        st = self.state()
        hits = self.js_matches(regex, ignore_case)
        wrong = [f.name for f, s, hit in zip(self.frames, st, hits)
                 if s["fill"] != (self.fg["searchcolor"] if hit else f.fill)]
        self.check(not wrong, f"{what}: matches filled with searchcolor, others unchanged", ", ".join(wrong[:5]))
        matched = [f for f, hit in zip(self.frames, hits) if hit]
        if zoomed is None:
            total = Fraction(str(self.fg["total"]))
            value = covered(matched) * 100 / total if total else Fraction(0)
            want = f"Matched: {percent_text(value)}%"
        else:
            # The share of the view: matches shown in it (the zoomed frame's subtree and its ancestors),
            # clipped to the zoomed frame.
            shown = [f for f, s in zip(self.frames, st) if s["shown"]]
            inside = [clipped(f, zoomed) for f in matched if f in shown]
            value = covered([c for c in inside if c.w > 0]) * 100 / zoomed.w
            want = f"Matched: {percent_text(value)}% of view"
            self.check(all(st[f.index]["fill"] == self.fg["searchcolor"] for f in matched if f in shown),
                       f"{what}: the matches in view are highlighted")
        got = self.text("matched")
        if not matched:
            self.check(got in (" ", "", "Matched: 0.00%"), f"{what}: nothing matched", repr(got))
        else:
            self.check(got == want, f"{what}: #matched reads {want!r}", repr(got))
        self.check("show" in self.classes("search") and self.text("search") == "Reset Search",
                   f"{what}: the Search button shows and reads 'Reset Search'", repr(self.text("search")))
        return matched

    def check_cleared(self, what):
        st = self.state()
        wrong = [f.name for f, s in zip(self.frames, st) if s["fill"] != f.fill]
        self.check(not wrong, f"{what}: original fills restored", ", ".join(wrong[:5]))
        self.check(self.text("matched") in (" ", ""), f"{what}: #matched blank", repr(self.text("matched")))
        self.check("show" not in self.classes("search") and self.text("search") == "Search",
                   f"{what}: the button reads 'Search' again", repr(self.text("search")))
        self.check("s" not in self.query(), f"{what}: s= dropped from the URL", self.page.url)

    def check_search(self):
        regex = self.pick_search()
        self.search_via_button(regex)
        matched = self.check_search_result(regex, False, f"search {regex!r}")
        nested = sum(f.w for f in matched) != covered(matched)
        print(f"       ({len(matched)} frames matched{', some nested' if nested else ''})")
        self.check(self.query().get("s") == [regex], "search writes s= to the URL", self.page.url)
        self.shot("04-search")
        self.page.click("#search")
        self.check_cleared("clicking Search again")
        self.search_via_button("([unclosed")
        st = self.state()
        self.check(all(s["fill"] == f.fill for f, s in zip(self.frames, st)),
                   "invalid regex highlights nothing")
        self.check((self.text("matched") or "").startswith("Invalid regex"),
                   "an invalid regex is reported, not dropped", repr(self.text("matched")))
        self.check_no_errors("search")

    def check_ignore_case_and_keys(self):
        regex = self.pick_search()
        swapped = regex.swapcase()
        if swapped == regex or not re.fullmatch(r"[A-Za-z0-9_ ]+", regex):
            print("  skip ignore case: the search regex has no letters to swap or has escapes")
        else:
            self.search_via_button(swapped)
            self.check_search_result(swapped, False, f"case-swapped search {swapped!r}")
            self.page.click("#ignorecase")
            self.check("show" in self.classes("ignorecase"), "#ignorecase shows when on")
            self.check_search_result(swapped, True, "ignore case re-runs the search")
            self.check(self.query().get("i") == ["1"], "ignore case writes i=1 to the URL", self.page.url)
            self.page.click("#ignorecase")
            self.check("show" not in self.classes("ignorecase"), "#ignorecase off again")
            self.page.click("#search")
        self.answers.append(regex)
        self.page.keyboard.press("Control+f")
        self.check(not self.answers, "Ctrl+F opens the search prompt")
        self.check_search_result(regex, False, "search from Ctrl+F")
        # Headless Chromium has no find bar to see, so ask the event whether it was cancelled.
        self.answers.append(regex)
        prevented = self.page.evaluate("""() => {
            const e = new KeyboardEvent("keydown", {key: "f", keyCode: 70, ctrlKey: true, bubbles: true, cancelable: true});
            document.documentElement.dispatchEvent(e);
            return e.defaultPrevented;
        }""")
        self.check(prevented, "Ctrl+F is kept from the browser (preventDefault)")
        self.page.keyboard.press("Escape")
        self.check_cleared("Esc")
        self.check_no_errors("ignore case and keys")

    def check_url_state(self):
        target, regex = self.pick_zoom(), self.pick_search()
        if target is None:
            print("  skip URL zoom state: nothing to zoom into")
            self.load("?" + urllib.parse.urlencode({"s": regex}))
            self.check_search_result(regex, False, "search restored from ?s=")
            return
        # The URL the script writes after a search and a zoom…
        self.search_via_button(regex)
        self.g(target).click()
        written = self.query()
        want = {"s": [regex], "x": [target.x_attr], "y": [str(target.depth)]}
        self.check(written == want, "search + zoom written to the URL", self.page.url)
        url = self.page.url
        self.page.goto("about:blank")
        self.page.goto(url)
        self.check_search_result(regex, False, "reloaded URL: search restored", zoomed=target)
        self.check_zoomed(target, "reloaded URL")
        # …and one built here from the contract alone, with ignore case.
        query = "?" + urllib.parse.urlencode({"s": regex, "i": "1", "x": target.x_attr, "y": target.depth})
        self.page.goto("about:blank")
        self.load(query)
        self.check("show" in self.classes("ignorecase"), "?i=1 turns ignore case on")
        self.check_search_result(regex, True, "built URL: search restored", zoomed=target)
        self.check_zoomed(target, "built URL")
        self.shot("05-restored-from-url")
        self.page.click("#unzoom")
        self.check_unzoomed("Reset Zoom after restore")
        self.check(self.query() == {"s": [regex], "i": ["1"]}, "URL keeps s= and i= after Reset Zoom", self.page.url)
        self.check_no_errors("URL state")
        self.check_zoom_speed(target)

    def check_zoom_speed(self, target):
        ms = self.page.evaluate("""(i) => {
            const g = document.getElementById("frames").querySelectorAll(":scope > g")[i];
            const t0 = performance.now();
            g.querySelector("rect").dispatchEvent(new MouseEvent("click", {bubbles: true}));
            document.getElementById("unzoom").dispatchEvent(new MouseEvent("click", {bubbles: true}));
            return performance.now() - t0;
        }""", target.index)
        self.check(ms <= self.opts.max_zoom_ms, f"zoom + reset of {len(self.frames)} frames in {ms:.0f} ms",
                   f"limit {self.opts.max_zoom_ms} ms")


def run(svg, out_dir, opts):
    r = Run(svg, out_dir, opts)
    try:
        r.run()
    except Exception as e:  # a crash is one more failure, reported with the checks done so far
        r.check(False, "the run completes", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    print(f"{r.passed} passed, {r.failed} failed")
    return r.failed


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("svg", help="the flame graph to test")
    ap.add_argument("out", nargs="?", default="out/browser", help="screenshot folder (default out/browser)")
    ap.add_argument("--hover", metavar="NAME", help="frame to hover (default: widest non-root)")
    ap.add_argument("--zoom", metavar="NAME", help="frame to click (default: widest with something beside it)")
    ap.add_argument("--search", metavar="REGEX", help="search regex (default: derived from frame names)")
    ap.add_argument("--max-zoom-ms", type=float, default=2000, help="zoom + reset time limit (default 2000)")
    return ap.parse_args(argv)


def test_sample_svg():
    """pytest entry point: the committed fixture must pass."""
    with tempfile.TemporaryDirectory() as out:
        assert run(HERE / "sample.svg", out, parse_args([str(HERE / "sample.svg")])) == 0


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if not Path(opts.svg).is_file():
        sys.exit(f"test_svg: no such file: {opts.svg}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"test_svg: {CHROMIUM} missing (apt-get install chromium)")
    return 1 if run(opts.svg, opts.out, opts) else 0


if __name__ == "__main__":
    sys.exit(main())
