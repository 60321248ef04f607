#!/usr/bin/env python3
"""Writes a small hand-laid-out flame graph SVG that embeds the renderer's script (InteractiveScript.js,
InteractiveSearch.js) and CSS (InteractiveScript.swift).

It follows docs/SVG_FORMAT.md so the browser test has a fixture before (and independently of) the
Swift renderer. Usage:

    python3 Tests/Browser/make_sample.py                 # rewrites Tests/Browser/sample.svg
    python3 Tests/Browser/make_sample.py -o x.svg --inverted
    python3 Tests/Browser/make_sample.py -o big.svg --big 20000   # synthetic graph for timing
    python3 Tests/Browser/make_sample.py -o empty.svg --empty
"""

import argparse
import random
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
RENDER = HERE.parent.parent / "Sources/FlameGraphCore/Render"
SCRIPT_SWIFT = RENDER / "InteractiveScript.swift"
SCRIPT_JS = [RENDER / "InteractiveScript.js", RENDER / "InteractiveSearch.js"]

# Folded stacks of the sample: "compute" matches nested frames (compute;compute_inner) and a
# disjoint one (recompute), Parse_number exercises ignore-case, the long name exercises truncation.
SAMPLE = """\
main;parse;read_line 20
main;parse;Parse_number 5
main;parse 5
main;compute;compute_inner;hash 15
main;compute;compute_inner 5
main;compute;sort 10
main;compute;sort;a_really_long_function_name_that_needs_truncation_when_zoomed_out 15
main;compute 5
main;recompute 5
idle 10
"""

WIDTH = 1200
XPAD = 10
FRAME_HEIGHT = 16
FONT_SIZE = 12
FONT_WIDTH = 0.59
TOP = 60  # room for the title and buttons
BOTTOM = 40  # room for #details / #matched


def swift_raw_string(source: str, name: str) -> str:
    """The value of `static let NAME… = #\"\"\"…\"\"\"#`, with Swift's indentation stripping."""
    m = re.search(
        r'static let ' + name + r'\b[^=]*=\s*#"""\n(.*?)\n([ \t]*)"""#', source, re.S)
    if not m:
        sys.exit(f"make_sample: no raw string literal `{name}` in {SCRIPT_SWIFT}")
    indent = m.group(2)
    lines = []
    for line in m.group(1).split("\n"):
        if line.strip() == "":
            lines.append("")
        elif line.startswith(indent):
            lines.append(line[len(indent):])
        else:
            sys.exit(f"make_sample: line less indented than the closing delimiter: {line!r}")
    return "\n".join(lines)


def load_script():
    source = SCRIPT_SWIFT.read_text()
    js = "\n".join(p.read_text() for p in SCRIPT_JS)
    # The label colours the renderer writes before the script's CSS.
    css = "#frames text { fill:rgb(0,0,0) }\n#frames text.l { fill:rgb(255,255,255) }\n" + swift_raw_string(source, "css")
    if "]]>" in js:
        sys.exit("make_sample: the JavaScript contains ']]>', which ends the CDATA section")
    if "<" in css or "&" in css:
        sys.exit("make_sample: the CSS contains '<' or '&', which are not XML-safe")
    return js, css


class Node:
    def __init__(self, name):
        self.name = name
        self.self_weight = 0
        self.children = {}

    def total(self):
        return self.self_weight + sum(c.total() for c in self.children.values())


def parse_folded(text):
    root = Node("all")
    for line in text.strip().splitlines():
        stack, count = line.rsplit(" ", 1)
        node = root
        for name in stack.split(";"):
            node = node.children.setdefault(name, Node(name))
        node.self_weight += int(count)
    return root


def synthetic(frames, seed=1):
    """A random tree with about `frames` nodes, names drawn from a small vocabulary."""
    rng = random.Random(seed)
    root = Node("all")
    nodes = [(root, 0)]
    words = ["alloc", "parse", "read", "write", "hash", "sort", "lock", "poll", "send", "recv"]
    for i in range(frames - 1):
        parent, depth = nodes[rng.randrange(len(nodes))] if i > 50 else nodes[-1]
        if depth > 40:
            parent, depth = root, 0
        name = f"{rng.choice(words)}_{i % 997}"
        child = parent.children.setdefault(name, Node(name))
        child.self_weight += rng.randint(1, 20)
        nodes.append((child, depth + 1))
    return root


def layout(root):
    """(node, depth, start, width) in pre-order, siblings sorted by name like sorted folded input."""
    out = []

    def walk(node, depth, start):
        width = node.total()
        out.append((node, depth, start, width))
        x = start
        for name in sorted(node.children):
            child = node.children[name]
            walk(child, depth + 1, x)
            x += child.total()

    walk(root, 0, 0)
    return out


def color(name):
    h = sum(ord(c) * (i + 1) for i, c in enumerate(name))
    return f"rgb({205 + h % 50},{(h * 7) % 180 + 40},{(h * 13) % 50})"


def light_text(fill):
    """White text where it contrasts more than black (WCAG luminance), as the renderer chooses."""
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(v) for v in fill[4:-1].split(","))
    lum = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05


def fit_label(name, width):
    char = FONT_SIZE * FONT_WIDTH
    if width < 3 * char:
        return ""
    chars = int(width // char)
    return name if len(name) <= chars else name[: chars - 2] + ".."


def fmt(v):
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return s if s else "0"


def render(root, inverted=False, empty=False):
    js, css = load_script()
    frames = [] if empty else layout(root)
    total = frames[0][3] if frames else 0
    max_depth = max((f[1] for f in frames), default=0)
    height = TOP + (max_depth + 1) * FRAME_HEIGHT + BOTTOM
    inner = WIDTH - 2 * XPAD
    out = []
    w = out.append
    w('<?xml version="1.0" standalone="no"?>')
    w(f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:fg="http://github.com/jonhoo/inferno" '
      f'xmlns:flamegraph="urn:flame-graph" version="1.1" width="{WIDTH}" height="{height}" '
      f'viewBox="0 0 {WIDTH} {height}" onload="init(evt)" data-generator="flame-graph" '
      f'font-family="Verdana" font-size="{FONT_SIZE}">')
    w('<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0">'
      '<stop stop-color="#eeeeee" offset="5%"/><stop stop-color="#eeeeb0" offset="95%"/>'
      '</linearGradient></defs>')
    w(f'<style type="text/css">\n{css}\n</style>')
    w('<script type="text/ecmascript"><![CDATA[')
    w(f'var fg = {{"nametype": "Function:", "fontsize": {FONT_SIZE}, "fontwidth": {FONT_WIDTH}, '
      f'"xpad": {XPAD}, "inverted": {"true" if inverted else "false"}, '
      f'"searchcolor": "rgb(230,0,230)", "unit": "samples", "total": {total}, '
      f'"differential": false, "fluid": false, "textinset": 3}};')
    w(js)
    w(']]></script>')
    w(f'<rect x="0" y="0" width="100%" height="{height}" fill="url(#background)"/>')
    w(f'<text id="title" x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="17">'
      f'{"Icicle Graph" if inverted else "Flame Graph"}</text>')
    w(f'<text id="details" x="{XPAD}" y="{height - 17}"> </text>')
    w(f'<text id="unzoom" class="hide" x="{XPAD}" y="24">Reset Zoom</text>')
    w(f'<text id="search" x="{WIDTH - XPAD - 100}" y="24">Search</text>')
    w(f'<text id="ignorecase" x="{WIDTH - XPAD - 16}" y="24">ic</text>')
    w(f'<text id="matched" x="{WIDTH - XPAD - 100}" y="{height - 17}"> </text>')
    w(f'<svg id="frames" x="{XPAD}" width="{inner}" total_samples="{total}">')
    for node, depth, start, width in frames:
        if inverted:
            y = TOP + depth * FRAME_HEIGHT
        else:
            y = height - BOTTOM - (depth + 1) * FRAME_HEIGHT
        x_pct = 100 * start / total
        w_pct = 100 * width / total
        share = fmt(100 * width / total)
        label = fit_label(node.name, w_pct / 100 * inner - 6)
        fill = color(node.name)
        cls = ' class="l"' if light_text(fill) else ""
        w(f'<g><title>{escape(node.name)} ({width} samples, {share}%)</title>'
          f'<rect x="{fmt(x_pct)}%" y="{y}" width="{fmt(w_pct)}%" height="{FRAME_HEIGHT - 1}" '
          f'fill="{fill}" fg:x="{start}" fg:w="{width}"/>'
          f'<text x="{fmt(x_pct)}%" dx="3" y="{y + 10.5}"{cls}>{escape(label)}</text></g>')
    w('</svg>')
    w(metadata(frames))
    w('</svg>')
    return "\n".join(out) + "\n"


def metadata(frames):
    """The <metadata> block of the contract: names, then nodes (parent, name, self) parents first."""
    names, index, ids, lines = [], {}, {}, []
    for n, (node, _, _, _) in enumerate(frames):
        ids[id(node)] = n
    parent_of = {}
    for node, _, _, _ in frames:
        for child in node.children.values():
            parent_of[id(child)] = ids[id(node)]
    for node, _, _, _ in frames[1:]:
        if node.name not in index:
            index[node.name] = len(names) + 1
            names.append(node.name)
        lines.append(f"{parent_of[id(node)]} {index[node.name]} {node.self_weight}")
    body = ["flame-graph-stacks 1 samples 0", f"names {len(names)}", *names,
            f"nodes {len(lines)}", *lines]
    return '<metadata id="flame-graph-stacks">\n' + escape("\n".join(body)) + "\n</metadata>"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default=str(HERE / "sample.svg"))
    ap.add_argument("--inverted", action="store_true", help="root on top (icicle graph)")
    ap.add_argument("--big", type=int, metavar="N", help="synthetic graph with about N frames")
    ap.add_argument("--empty", action="store_true", help="no frames at all")
    ap.add_argument("--folded", help="read stacks from this folded file instead of the sample")
    args = ap.parse_args()
    if args.big:
        root = synthetic(args.big)
    else:
        root = parse_folded(Path(args.folded).read_text() if args.folded else SAMPLE)
    Path(args.output).write_text(render(root, inverted=args.inverted, empty=args.empty))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
