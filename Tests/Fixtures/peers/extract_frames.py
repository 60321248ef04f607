#!/usr/bin/env python3
"""Turns a peer's flame-graph SVG into a frame table: the data the tests compare, without the peer's
document around it (styles, the interactive script).

Usage: extract_frames.py PEER.svg [OUT.frames.tsv]   (default: PEER.svg with .frames.tsv)

A frame is an SVG group (or link) holding a <title> ("NAME (COUNT samples, P%)") and a <rect>. One row per
frame, in document order, tab-separated, with a header row:

  name        the frame name (the title up to its last " (")
  samples     the count in the title, thousands separators removed
  x, width    the frame's start and width: in samples (inferno's fg:x / fg:w) when the peer wrote them,
              else in pixels (flamegraph.pl's rect x / width)
  depth       rows from the root frame (the widest row; the graph grows up unless the peer drew an icicle)
  fill        the rect's fill colour, as written
  title       the whole tooltip text
  rect_x, rect_y, rect_width, rect_height
              the rect's geometry attributes exactly as the peer wrote them (percentages for inferno),
              so a test can rebuild the frames in the peer's markup

Fields are escaped: backslash, tab and newline become \\\\, \\t and \\n. Lines starting with `#` before
the header say where the table came from and the graph's totals (`# key: value`).
"""

import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
INFERNO = "{http://github.com/jonhoo/inferno}"
COLUMNS = ["name", "samples", "x", "width", "depth", "fill", "title", "rect_x", "rect_y", "rect_width", "rect_height"]


def escape(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def split_title(title):
    """`name (1,234 samples, 5.6%)` -> (`name`, `1234`)."""
    open_at = title.rfind(" (")
    if open_at < 0:
        return title, ""
    rest = title[open_at + 2:]
    return title[:open_at], rest.split(" ", 1)[0].replace(",", "")


def frames(root):
    # Usually a <g>; inferno's --nameattr turns some frames into <a> links.
    for group in root.iter():
        title = group.find(SVG + "title")
        rect = group.find(SVG + "rect")
        if title is None or rect is None:
            continue
        yield (title.text or ""), rect.attrib


def extract(svg_path):
    text = open(svg_path, encoding="utf-8").read()
    root = ET.fromstring(text)
    raw = list(frames(root))
    inverted = "var inverted = true" in text or "var inverted = 1" in text
    geometry = "samples" if any(INFERNO + "w" in a for _, a in raw) else "pixels"
    meta = {"source": svg_path, "geometry": geometry, "inverted": "true" if inverted else "false",
            "svg_width": root.attrib.get("width", "")}
    for svg in root.iter(SVG + "svg"):
        if svg.attrib.get("id") == "frames":
            meta["total_samples"] = svg.attrib.get("total_samples", "")
    rows = []
    if raw:
        row_height = float(raw[0][1]["height"]) + 1
        ys = [float(a["y"]) for _, a in raw]
        root_y = min(ys) if inverted else max(ys)
        for title, a in raw:
            name, count = split_title(title)
            y = float(a["y"])
            depth = int(((y - root_y) if inverted else (root_y - y)) / row_height + 0.5)
            if geometry == "samples":
                x, width = a.get(INFERNO + "x", "?"), a.get(INFERNO + "w", "?")
            else:
                x, width = a.get("x", "?"), a.get("width", "?")
            rows.append([name, count, x, width, str(depth), a.get("fill", ""), title,
                         a.get("x", ""), a.get("y", ""), a.get("width", ""), a.get("height", "")])
    return meta, rows


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.split("\n\n")[1])
    svg_path = sys.argv[1]
    out_path = sys.argv[2] if len(sys.argv) == 3 else svg_path[: -len(".svg")] + ".frames.tsv"
    meta, rows = extract(svg_path)
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        for key, value in meta.items():
            out.write(f"# {key}: {value}\n")
        out.write("\t".join(COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(escape(v) for v in row) + "\n")
    print(f"{out_path}: {len(rows)} frames", file=sys.stderr)


if __name__ == "__main__":
    main()
