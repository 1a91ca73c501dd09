"""LibreOffice as a clerk's office suite: convert a document to PDF and look at what it prints."""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice")


@functools.cache
def _profile() -> Path:
    """This test process's LibreOffice profile: made by its first conversion and reused (a new
    profile costs each start about half a second). One per process, as two LibreOffice instances
    must not share a profile; a process converts one document at a time."""
    folder = tempfile.mkdtemp(prefix="formsvc-soffice-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder) / "profile"


def to_pdf(content: bytes, extension: str) -> bytes:
    """The PDF LibreOffice prints of a DOCX or XLSX (a profile per test process, so runs can be parallel)."""
    assert SOFFICE, "LibreOffice is missing: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source = work / f"document.{extension}"
        source.write_bytes(content)
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{_profile()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), str(source)],
            check=True, capture_output=True, timeout=180,
        )
        return (work / "document.pdf").read_bytes()


def glyph_boxes(pdf: bytes) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page, each drawn character with its box (left, bottom, right, top in pt), spaces left out."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            chars = []
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                if char.strip():
                    chars.append((char, *text.get_charbox(index)))
            pages.append(chars)
        return pages
    finally:
        document.close()


def overlapping_glyphs(pdf: bytes, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of characters drawn over each other: text of one row spilling into the next."""
    found = []
    for chars in glyph_boxes(pdf):
        cells: dict[tuple[int, int], list[tuple[str, float, float, float, float]]] = {}
        for box in chars:
            _, left, bottom, right, top = box
            for x in range(int(left // 20), int(right // 20) + 1):
                for y in range(int(bottom // 20), int(top // 20) + 1):
                    cells.setdefault((x, y), []).append(box)
        seen = set()
        for members in cells.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    if (min(a[3], b[3]) - max(a[1], b[1]) > tolerance
                            and min(a[4], b[4]) - max(a[2], b[2]) > tolerance
                            and (id(a), id(b)) not in seen):
                        seen.add((id(a), id(b)))
                        found.append((a[0], b[0]))
    return found


def smallest_cjk_em(pdf: bytes) -> float:
    """The smallest size (pt) a CJK character is printed at: its advance, a full em."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    smallest = float("inf")
    try:
        for page in document:
            text = page.get_textpage()
            for index in range(text.count_chars()):
                char = text.get_text_range(index, 1)
                if "\u4e00" <= char <= "\u9fff":
                    left, _, right, _ = text.get_charbox(index, loose=True)
                    smallest = min(smallest, right - left)
        return smallest
    finally:
        document.close()
