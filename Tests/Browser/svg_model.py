"""What test_svg.py reads from a flame-graph SVG without a browser (frames, depths, covered weight)
and the JavaScript probes it runs in the page (frame state, label geometry and contrast)."""

import re
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CHROMIUM = "/usr/bin/chromium"
SVG_NS = "http://www.w3.org/2000/svg"
FG_NS = "http://github.com/jonhoo/inferno"

# Reads every frame's drawn state in one round trip, in the same order as parse_svg().
READ_FRAMES_JS = """() => {
  const c = document.getElementById("frames");
  if (!c) return [];
  return Array.from(c.children)
    .filter(g => g.localName === "g" && g.querySelector("rect"))
    .map(g => {
      const r = g.querySelector("rect"), t = g.querySelector("text");
      return {cls: g.getAttribute("class") || "", x: r.getAttribute("x"), w: r.getAttribute("width"),
              fill: r.getAttribute("fill"), tx: t ? t.getAttribute("x") : null,
              label: t ? t.textContent : null, shown: getComputedStyle(g).display !== "none"};
    });
}"""


# Every shown label against its frame, in screen pixels: overflow, use of the room, contrast.
LABELS_JS = """() => {
  const c = document.getElementById("frames");
  const scratch = document.createElementNS("http://www.w3.org/2000/svg", "text");
  c.appendChild(scratch);
  const inset = (typeof fg === "object" && fg.textinset >= 0) ? fg.textinset : 3;
  const measure = s => { scratch.textContent = s; return scratch.getComputedTextLength(); };
  const rgb = s => { const m = /rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)/.exec(s || ""); return m ? [+m[1], +m[2], +m[3]] : null; };
  const lum = c => [0, 1, 2].reduce((a, i) => { let v = c[i] / 255;
      v = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); return a + [0.2126, 0.7152, 0.0722][i] * v; }, 0);
  const out = [];
  const gs = Array.from(c.children).filter(g => g.localName === "g" && g.querySelector("rect"));
  gs.forEach((g, index) => {
    const r = g.querySelector("rect"), t = g.querySelector("text"), title = g.querySelector("title");
    if (!t || getComputedStyle(g).display === "none") return;
    const label = t.textContent;
    if (label === "") return;
    const tip = title ? title.textContent : "", cut = tip.lastIndexOf(" (");
    const name = cut >= 0 ? tip.substring(0, cut) : tip;
    const rb = r.getBoundingClientRect(), tb = t.getBoundingClientRect();
    const scale = rb.width / (r.width.baseVal.value || 1);  // user units -> px (1 unless scaled)
    const textW = t.getComputedTextLength() * scale;
    const tx = tb.left;
    let wasted = false;
    if (label !== name) {
      // One more character must not have fitted, or the label is cut shorter than it needs to be.
      const kept = label.startsWith("..") && fg.truncateleft ? label.length - 2 : label.length - 2;
      const longer = fg.truncateleft ? ".." + name.substring(name.length - kept - 1) : name.substring(0, kept + 1) + "..";
      wasted = (measure(longer) * scale) <= rb.width - 2 * inset * scale - 1;  // 1 px: glyph sums round
    }
    const fill = rgb(getComputedStyle(r).fill), ink = rgb(getComputedStyle(t).fill);
    let contrast = null;
    if (fill && ink) { const a = lum(fill), b = lum(ink); contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }
    out.push({index, name, label, left: tx - rb.left, overflow: (tx + textW) - (rb.right), wasted, contrast,
              valid: label === name || (fg.truncateleft ? label.startsWith("..") && name.endsWith(label.substring(2))
                                                         : label.endsWith("..") && name.startsWith(label.slice(0, -2)))});
  });
  scratch.remove();
  return out;
}"""


class Frame:
    def __init__(self, index, g):
        rect = g.find(f"{{{SVG_NS}}}rect")
        title = g.find(f"{{{SVG_NS}}}title")
        text = g.find(f"{{{SVG_NS}}}text")
        self.index = index
        self.title = title.text or "" if title is not None else ""
        cut = self.title.rfind(" (")
        self.name = self.title[:cut] if cut >= 0 else self.title
        self.x_attr = rect.get(f"{{{FG_NS}}}x")
        self.x = Fraction(self.x_attr)
        self.w = Fraction(rect.get(f"{{{FG_NS}}}w"))
        self.y = float(rect.get("y"))
        self.height = float(rect.get("height"))
        self.rect_x, self.rect_w, self.fill = rect.get("x"), rect.get("width"), rect.get("fill")
        self.text_x = text.get("x") if text is not None else None
        self.label = (text.text or "") if text is not None else None
        self.depth = 0

    @property
    def end(self):
        return self.x + self.w

    def contains(self, other):
        return self.x <= other.x and other.end <= self.end


def parse_svg(path):
    root = ET.parse(path).getroot()
    container = next((e for e in root.iter(f"{{{SVG_NS}}}svg") if e.get("id") == "frames"), None)
    if container is None:
        return [], None
    gs = [g for g in container if g.tag == f"{{{SVG_NS}}}g" and g.find(f"{{{SVG_NS}}}rect") is not None]
    return [Frame(i, g) for i, g in enumerate(gs)], float(container.get("width"))


def assign_depths(frames, inverted):
    """Depth from rows only, as the contract says: root row at the bottom (top when inverted)."""
    if not frames:
        return
    rows = sorted({f.y for f in frames})
    steps = [b - a for a, b in zip(rows, rows[1:]) if b > a]
    step = min(steps) if steps else frames[0].height + 1
    root_y = rows[0] if inverted else rows[-1]
    for f in frames:
        f.depth = round(abs(f.y - root_y) / step)


def covered(frames):
    """Weight covered by the union of the frames' [x, x+w)."""
    total, start, end = Fraction(0), None, None
    for f in sorted(frames, key=lambda f: f.x):
        if end is None or f.x > end:
            if end is not None:
                total += end - start
            start, end = f.x, f.end
        else:
            end = max(end, f.end)
    if end is not None:
        total += end - start
    return total


def percent_text(value):
    """JS toFixed(2) rounds exact ties up; Python's format rounds half-even."""
    return str(Decimal(float(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def js_regex_source(name):
    return re.sub(r"[.*+?^${}()|\[\]\\/]", lambda m: "\\" + m.group(0), name)


def pct_value(s):
    return float(s.rstrip("%")) if s is not None else float("nan")


def clipped(f, target):
    """`f`'s span limited to `target` (ancestors of the zoomed frame cover the whole view)."""
    class Span:
        pass
    c = Span()
    c.x = max(f.x, target.x)
    c.end = min(f.end, target.end)
    c.w = max(Fraction(0), c.end - c.x)
    return c


def label_report(labels):
    """Problems among the labels LABELS_JS measured: overflowing, not a cut of the name, cut shorter
    than the room allows, or contrasting less than 4.5:1 (or with no colour to measure)."""
    return {
        "over": [f"{l['label']!r} by {l['overflow']:.1f} px" for l in labels if l["overflow"] > 0.5 or l["left"] < -0.5],
        "bad": [f"{l['name']!r} -> {l['label']!r}" for l in labels if not l["valid"]],
        "wasted": [l["label"] for l in labels if l["wasted"]],
        "low": [f"{l['label']!r} {l['contrast']:.2f}:1" if l["contrast"] is not None else f"{l['label']!r}: no colour"
                for l in labels if l["contrast"] is None or l["contrast"] < 4.5],
    }


def pick_search_regex(frames):
    """A search regex derived from the graph: among the widest frames' names, prefer one whose literal
    matches nest (so counting them once matters), then the one matching the most frames."""
    names = []
    for f in sorted((f for f in frames if f.depth > 0), key=lambda f: -f.w):
        if f.name not in names:
            names.append(f.name)
        if len(names) == 40:
            break
    best, best_key = None, None
    for name in names:
        hits = [f for f in frames if name in f.name]
        nested = sum(f.w for f in hits) != covered(hits)
        key = (nested, len(hits))
        if best_key is None or key > best_key:
            best, best_key = name, key
    return js_regex_source(best) if best is not None else "^$never"
