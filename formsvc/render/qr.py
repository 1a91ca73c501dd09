"""QR codes drawn by the PDF renderer itself, as vector squares: error correction M, four
modules of quiet zone, filling whatever box a template marks with ``data-qr``."""

from __future__ import annotations

import zxingcpp

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


def pdf_operations(data: str, x: float, y: float, side: float) -> bytes:
    """PDF drawing operators for the QR code of data in the square (x, y, side), quiet zone
    included, in a user space whose y axis points down the page (WeasyPrint's page space).

    Drawn as rectangles straight into the page's content stream rather than as SVG: a renderer
    parses and lays out SVG anew for every page, and a bulk print is thousands of pages.
    """
    rows = modules(data)
    module = side / (len(rows) + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    operations = [b"q 0 0 0 rg"]
    for number, row in enumerate(rows):
        column = 0
        while column < len(row):
            if row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and not row[column]:
                column += 1
            operations.append(
                f"{left + start * module:.3f} {top + number * module:.3f} "
                f"{(column - start) * module:.3f} {module:.3f} re".encode()
            )
    operations.append(b"f Q")
    return b"\n".join(operations)
