"""Draw the specimen seal (static/img/seal-specimen.png) that samples and tests print on certificates.

It is plainly a specimen: 样章 across its middle, 非真实印章 below, and no real body's name on its
rim, so that nothing printed with it can pass for a real certificate.

A raster image rather than SVG on purpose: WeasyPrint embeds a raster image once however many
pages show it, but draws an SVG again on every page, which would add kilobytes to each page of a
bulk print. 496 pixels across 42 mm is 300 dpi, print resolution.

Usage: python form_templates/certificate/make_seal.py [OUT.png]
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "img" / "seal-specimen.png"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_SC = 2  # the Simplified Chinese face of the collection

#: 42 mm, the diameter of an official round seal, at 300 dpi
SIZE = 496
RED = (200, 16, 32)
#: a seal's ink is not solid: a little transparency lets the date show through, as on paper
INK = 0.88
RIM_TEXT = "职称电子证书示例签发机构"
CENTRE_TEXT = "样章"
BOTTOM_TEXT = "非真实印章"


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=FONT_SC)


def star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=255)


def rim_text(shape: Image.Image, text: str, radius: float, size: int, span_degrees: float) -> None:
    """Characters upright along the top arc, as seal engravers set them."""
    face = font(size)
    centre = SIZE / 2
    step = span_degrees / (len(text) - 1)
    for index, char in enumerate(text):
        angle = -90 - span_degrees / 2 + index * step  # degrees from the x axis, clockwise
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), char, font=face, fill=255, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - size
        y = centre + radius * math.sin(math.radians(angle)) - size
        shape.paste(255, (round(x), round(y)), glyph)


def draw_seal() -> Image.Image:
    # the shape is drawn as a mask; every pixel gets the same red, so the colour plane of the
    # PDF image compresses to almost nothing and only the mask takes room
    shape = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(shape)
    ring = 10
    draw.ellipse((ring / 2, ring / 2, SIZE - ring / 2, SIZE - ring / 2), outline=255, width=ring)
    star(draw, SIZE / 2, SIZE / 2 - 18, 62)
    rim_text(shape, RIM_TEXT, SIZE / 2 - 64, 52, 236)
    draw.text((SIZE / 2, SIZE / 2 + 78), CENTRE_TEXT, font=font(74), fill=255, anchor="mm")
    draw.text((SIZE / 2, SIZE / 2 + 150), BOTTOM_TEXT, font=font(34), fill=255, anchor="mm")
    seal = Image.new("RGBA", (SIZE, SIZE), (*RED, 0))
    seal.putalpha(shape.point(lambda value: round(value * INK)))
    return seal


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    draw_seal().save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    main()
