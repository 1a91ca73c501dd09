"""QR codes as vector SVG for print: error correction M, a quiet zone of four modules."""

from __future__ import annotations

import zxingcpp
from markupsafe import Markup, escape

#: ISO/IEC 18004 asks for four modules of quiet zone; scanners fail on less
QUIET_ZONE = 4
#: level M restores up to 15 % of the symbol: a smudged or creased print still scans
ERROR_CORRECTION = "M"


def modules(data: str) -> list[bytes]:
    """The symbol's rows of modules, 0 for dark (zxing-cpp's encoder: a fraction of a
    millisecond, where a pure-Python encoder spends several choosing the mask)."""
    symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION)
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    size = image.shape[0]
    flat = image.tobytes()
    return [flat[row * size:(row + 1) * size] for row in range(size)]


def qr_svg(data: str, *, label: str = "") -> Markup:
    """data as an inline <svg> sized by its container: crisp at any print resolution.

    Each row of dark modules is one stroked horizontal run, all in a single path: the fewest
    drawing commands a renderer must parse, which is what a page of a bulk print pays for.
    """
    rows = modules(data)
    size = len(rows) + 2 * QUIET_ZONE
    commands = []
    for y, row in enumerate(rows):
        pen: int | None = None
        x = 0
        while x < len(row):
            if row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and not row[x]:
                x += 1
            if pen is None:
                commands.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE + 0.5}h{x - start}")
            else:
                commands.append(f"m{start - pen} 0h{x - start}")
            pen = x
    title = f"<title>{escape(label)}</title>" if label else ""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}">{title}'
        f'<path fill="none" stroke="#000" stroke-width="1" d="{"".join(commands)}"/></svg>'
    )
