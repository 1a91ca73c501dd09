"""Draw the specimen seal (static/img/seal-specimen.svg) that samples and tests print on certificates.

It is plainly a specimen: 样章 across its middle, 非真实印章 below, and no real body's name on its
rim, so that nothing printed with it can pass for a real certificate.

A vector drawing (SVG, its characters as outlines of Noto Sans CJK SC Bold, so that printing it
needs no font): a certificate handed out as a file carries its seal as a few kilobytes of paths,
where a raster seal at print resolution took some 24 KB of every signed single. A bulk print
still draws it once per chunk, in the layer all its certificates share (render/pdf.py,
render_layered). The geometry is in units of a 496-unit square, 42 mm across (the diameter of an
official round seal).

Usage: python form_templates/certificate/make_seal.py [OUT.svg]
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "img" / "seal-specimen.svg"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_SC = 2  # the Simplified Chinese face of the collection

SIZE = 496
RED = "#c81020"
#: a seal's ink is not solid: a little transparency lets the date show through, as on paper
INK = 0.88
RIM_TEXT = "职称电子证书示例签发机构"
CENTRE_TEXT = "样章"
BOTTOM_TEXT = "非真实印章"
#: the middle of the ideographic em box above the baseline, in font units (Noto CJK: 880/-120)
EM_MIDDLE = 380


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class Outlines:
    """Characters of the face as SVG path data, placed, scaled and turned."""

    def __init__(self, path: str = FONT, index: int = FONT_SC) -> None:
        self.font = TTFont(path, fontNumber=index)
        self.glyphs = self.font.getGlyphSet()
        self.cmap = self.font.getBestCmap()
        self.upem = self.font["head"].unitsPerEm

    def char(self, char: str, cx: float, cy: float, size: float, degrees: float = 0.0) -> str:
        """The path of char with its em box centred on (cx, cy), size units tall, turned by
        degrees clockwise."""
        name = self.cmap[ord(char)]
        glyph = self.glyphs[name]
        scale = size / self.upem
        turn = math.radians(degrees)
        cos, sin = math.cos(turn) * scale, math.sin(turn) * scale
        # font units (y up) → seal units (y down): centre the em box, flip, scale, turn, place
        dx, dy = -glyph.width / 2, -EM_MIDDLE
        pen = _RoundingPen()
        glyph.draw(TransformPen(pen, (cos, sin, sin, -cos,
                                      cx + cos * dx + sin * dy, cy + sin * dx - cos * dy)))
        return pen.getCommands()

    def line(self, text: str, cx: float, cy: float, size: float) -> str:
        widths = [self.glyphs[self.cmap[ord(c)]].width * size / self.upem for c in text]
        x = cx - sum(widths) / 2
        parts = []
        for char, width in zip(text, widths, strict=True):
            parts.append(self.char(char, x + width / 2, cy, size))
            x += width
        return "".join(parts)


class _RoundingPen(SVGPathPen):
    """Path data with coordinates to a tenth of a unit (0.008 mm): small, and finer than ink."""

    def __init__(self) -> None:
        super().__init__(None, ntos=_number)


def star(cx: float, cy: float, radius: float) -> str:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(f"{_number(cx + r * math.cos(angle))} {_number(cy + r * math.sin(angle))}")
    return "M" + " L".join(points) + "Z"


def rim(outlines: Outlines, text: str, radius: float, size: float, span_degrees: float) -> str:
    """Characters upright along the top arc, as seal engravers set them."""
    centre = SIZE / 2
    step = span_degrees / (len(text) - 1)
    parts = []
    for index, char in enumerate(text):
        angle = -90 - span_degrees / 2 + index * step  # degrees from the x axis, clockwise
        x = centre + radius * math.cos(math.radians(angle))
        y = centre + radius * math.sin(math.radians(angle))
        parts.append(outlines.char(char, x, y, size, angle + 90))
    return "".join(parts)


def draw_seal() -> str:
    """The seal as an SVG document."""
    outlines = Outlines()
    ring = 10
    centre = SIZE / 2
    shapes = "".join((
        star(centre, centre - 18, 62),
        rim(outlines, RIM_TEXT, centre - 64, 52, 236),
        outlines.line(CENTRE_TEXT, centre, centre + 78, 74),
        outlines.line(BOTTOM_TEXT, centre, centre + 150, 34),
    ))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" '
        f'width="{SIZE}" height="{SIZE}">\n'
        f'<title>样章 非真实印章</title>\n'
        f'<g fill="{RED}" fill-opacity="{INK}">\n'
        f'<circle cx="{centre}" cy="{centre}" r="{centre - ring / 2}" fill="none" stroke="{RED}" '
        f'stroke-opacity="{INK}" stroke-width="{ring}"/>\n'
        f'<path d="{shapes}"/>\n</g>\n</svg>\n'
    )


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draw_seal(), encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
