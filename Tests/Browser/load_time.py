#!/usr/bin/env python3
"""Page load time and label overflow of flame-graph SVGs in Debian's Chromium (Playwright).

    python3 Tests/Browser/load_time.py [--runs N] A.svg [B.svg ...]

For each SVG: the median wall time from navigation until the load event has fired and the page's
script has finished its onload work (two animation frames later), over N fresh pages; the file size;
how many visible labels overflow their frame (measured text length against the rect, as
test_svg.py checks) and how many contrast less than 4.5:1 with their fill. Use it to compare our SVG with inferno's for the same input.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_svg import CHROMIUM, LABELS_JS  # noqa: E402

SETTLED_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

# Works on inferno's SVGs too: they define no `fg`, so give the label check the defaults it needs.
FG_DEFAULTS_JS = "() => { if (typeof fg !== 'object') window.fg = {textinset: 3, truncateleft: false}; }"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("svgs", nargs="+")
    opts = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for svg in opts.svgs:
                url = Path(svg).resolve().as_uri()
                times = []
                for _ in range(opts.runs):
                    page = browser.new_page(viewport={"width": 1300, "height": 900})
                    t0 = time.perf_counter()
                    page.goto(url, wait_until="load", timeout=120000)
                    page.evaluate(SETTLED_JS)
                    times.append(time.perf_counter() - t0)
                    last = page
                    if len(times) < opts.runs:
                        page.close()
                last.evaluate(FG_DEFAULTS_JS)
                labels = last.evaluate(LABELS_JS)
                over = sum(1 for l in labels if l["overflow"] > 0.5)
                dim = sum(1 for l in labels if l["contrast"] is not None and l["contrast"] < 4.5)
                last.close()
                size = Path(svg).stat().st_size
                print(f"{svg}: {size / 1e6:.2f} MB, load {statistics.median(times):.2f} s "
                      f"(median of {opts.runs}), {over} of {len(labels)} labels overflow, {dim} below 4.5:1 contrast")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
