"""QR codes as vector SVG for print: error correction M or better, a quiet zone of four modules."""

from __future__ import annotations

import segno
from markupsafe import Markup

#: ISO/IEC 18004 asks for four modules of quiet zone; scanners fail on less
QUIET_ZONE = 4


def qr_svg(data: str, *, label: str = "") -> Markup:
    """data as an inline <svg> sized by its container: crisp at any print resolution.

    Error correction is at least M (segno raises it when the symbol has room to spare), so a
    smudged or creased print still scans.
    """
    code = segno.make(data, error="m", boost_error=True, micro=False)
    svg = code.svg_inline(
        border=QUIET_ZONE, omitsize=True, title=label or None, svgclass="qr", lineclass=None,
    )
    return Markup(svg)
