"""Print output: WeasyPrint lays out form.html with embedded, subset Noto CJK faces.

The URL fetcher is the only way WeasyPrint reads anything: it serves the package's static files,
the compact font faces and images handed over with the documents, and refuses every other URL,
so no data can make a render read a local file or reach the network.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import itertools
import logging
import mimetypes
import re
import threading
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydyf
from pypdf import PdfReader
from weasyprint import CSS, HTML
from weasyprint.formatting_structure.boxes import BlockBox
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..documents import FORM_TEMPLATES, Document, RenderSettings
from . import Rendered, layoutcache, qr, subsetting
from .fonts import compact_faces, font_face_css
from .templating import file_environment

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "static"
PRINT_CSS = STATIC_DIR / "css" / "print.css"
TEMPLATE = "form.html"


class RefusedURL(ValueError):
    """A URL outside what print may read."""


@dataclass
class Resources:
    """Images that belong to one render (photos, QR codes, seals), reachable as resource:N."""

    items: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _counter: itertools.count = field(default_factory=itertools.count)
    _keys: dict[tuple[bytes, str], str] = field(default_factory=dict)

    def attach(self, data: bytes | None, mimetype: str = "image/png") -> str:
        if not data:
            return ""
        # the same image on many pages (a seal in a bulk print) gets one URL, which WeasyPrint
        # decodes once and the PDF embeds once
        known = self._keys.get((data, mimetype))
        if known is not None:
            return known
        key = f"resource:{next(self._counter)}"
        self.items[key] = (data, mimetype)
        self._keys[(data, mimetype)] = key
        return key


class SafeFetcher(URLFetcher):
    """Serves static:, font: and resource: URLs; anything else is refused and logged."""

    def __init__(self, fonts: Mapping[str, Path], resources: Resources | None = None) -> None:
        super().__init__(allowed_protocols=())
        self.fonts = fonts
        self.resources = resources or Resources()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme, _, rest = url.partition(":")
        if scheme == "static":
            path = (STATIC_DIR / rest.lstrip("/")).resolve()
            if path.is_relative_to(STATIC_DIR) and path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        elif scheme == "font" and rest in self.fonts:
            body = self.fonts[rest].read_bytes()
            return URLFetcherResponse(url, body, {"Content-Type": "font/otf"})
        elif scheme == "resource" and url in self.resources.items:
            data, kind = self.resources.items[url]
            return URLFetcherResponse(url, data, {"Content-Type": kind})
        log.warning("print refused to fetch %r", url[:200])
        raise RefusedURL(f"refused: {url[:200]}")


try:  # WeasyPrint's user-agent stylesheet by its own names (70); an older one keeps it whole
    from weasyprint.html import UA, UA_COUNTER_STYLE, UA_STYLESHEET
except ImportError:
    UA = UA_COUNTER_STYLE = UA_STYLESHEET = None

#: WeasyPrint's user-agent rules that give every element a ::marker and five footnote and note
#: pseudo-elements: each a style to cascade and compute for every element of every render, six of
#: every seven styles of a table-heavy form (a fifth of the 汇总表's time when WeasyPrint printed
#: it), read only for a list item (display: list-item), a footnote (float: footnote) or a note
#: (position: note())
_PSEUDO_RULES = re.compile(
    r"^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n",
    re.MULTILINE)
#: what a document (or the print styles) would have to say for those pseudo-elements to be read:
#: an <li> (list-item in WeasyPrint's own rules), list-item, footnote, note()
_USES_PSEUDO = re.compile(r"<li\b|list-item|footnote|note\(", re.IGNORECASE)


@functools.cache
def _lean_ua_stylesheet() -> CSS:
    """WeasyPrint's user-agent stylesheet without the six rules, or the whole of it if this
    WeasyPrint's does not hold exactly those six."""
    lean, count = _PSEUDO_RULES.subn("", UA)
    if count != 6:
        return UA_STYLESHEET
    return CSS(string=lean, counter_style=UA_COUNTER_STYLE)


class LeanHTML(HTML):
    """A document in which no element is a list item, footnote or note, styled without the
    user-agent rules only those read: the same layout, one style per element instead of seven."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        sheets = super()._ua_stylesheets(forms)
        if UA_STYLESHEET is None:
            return sheets
        return [_lean_ua_stylesheet() if sheet is UA_STYLESHEET else sheet for sheet in sheets]


@dataclass(frozen=True)
class PrintSetup:
    """What every render in this process shares: fonts, their configuration, the base CSS."""

    fonts: Mapping[str, Path]
    font_config: FontConfiguration
    stylesheet: CSS
    #: whether the base CSS itself could make an element a list item, footnote or note
    uses_pseudo: bool = True


_setup_lock = threading.Lock()
# Pango and WeasyPrint's font configuration are not safe to share between threads at once
render_lock = threading.RLock()


@functools.cache
def print_setup(font_dir: str) -> PrintSetup:
    with _setup_lock:
        subsetting.install()
        layoutcache.install()
        fonts = compact_faces(font_dir)
        font_config = FontConfiguration()
        css = font_face_css() + "\n" + PRINT_CSS.read_text(encoding="utf-8")
        stylesheet = CSS(string=css, font_config=font_config, url_fetcher=SafeFetcher(fonts))
        return PrintSetup(fonts, font_config, stylesheet, bool(_USES_PSEUDO.search(css)))


#: the attribute by which a template asks for a QR code of its value, drawn to fill the element
QR_ATTRIBUTE = "data-qr"


def _qr_boxes(document: Any) -> list[list[tuple[str, float, float, float]]]:
    """Per page, each element marked data-qr: its value and content box (CSS px, from the page's
    top-left corner), as laid out."""
    pages = []
    for page in document.pages:
        found = []
        for box in page._page_box.descendants(placeholders=True):
            element = getattr(box, "element", None)
            value = element.get(QR_ATTRIBUTE) if element is not None else None
            if value and isinstance(box, BlockBox | AbsolutePlaceholder):
                side = min(box.width, box.height)
                found.append((value, box.content_box_x(), box.content_box_y(), side))
                # the box's anonymous children carry the same element: draw once per element
                element.attrib.pop(QR_ATTRIBUTE)
        pages.append(found)
    return pages


def _draw_qr_codes(boxes: list[list[tuple[str, float, float, float]]]) -> Any:
    """A WeasyPrint finisher that appends each page's QR codes to its content stream."""

    def finish(document: Any, pdf: Any) -> None:
        # pydyf lists the pages as a flat array of references: number, 0, R, number, 0, R…
        numbers = pdf.pages["Kids"][0::3]
        for codes, number in zip(boxes, numbers, strict=True):
            if not codes:
                continue
            page = pdf.objects[number]
            stream = pdf.objects[int(page["Contents"].split()[0])]
            # at the end of a WeasyPrint page the user space is the page in points, y down;
            # the layout's CSS px are 0.75 pt
            stream.stream.append(b"q 0.75 0 0 0.75 0 0 cm")
            for value, x, y, side in codes:
                stream.stream.append(qr.pdf_operations(value, x, y, side))
            stream.stream.append(b"Q")

    return finish


#: the font entries whose value is a name WeasyPrint builds from the CSS family
_FONT_NAMES = ("BaseFont", "FontName")
_REGULAR = frozenset(range(0x21, 0x7F)) - frozenset(b"#()<>[]{}/%")


def _escaped(name: bytes) -> bytes:
    return b"/" + b"".join(bytes([c]) if c in _REGULAR else b"#%02X" % c for c in name[1:])


def _escape_font_names(pdf: Any) -> None:
    """WeasyPrint names a font after its CSS family (/ABCDEF+宋体-Bold) in raw UTF-8, which a PDF
    name may only hold as #xx escapes (ISO 32000-1, 7.3.5): strict readers, pyHanko's among them,
    refuse the raw bytes, and so would a PDF/A validator."""
    stack = [o for o in pdf.objects if isinstance(o, dict | list)]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            for key in _FONT_NAMES:
                value = obj.get(key)
                if isinstance(value, bytes) and not value.isascii():
                    obj[key] = _escaped(value)
            stack.extend(v for v in obj.values() if isinstance(v, dict | list))
        else:
            stack.extend(v for v in obj if isinstance(v, dict | list))


#: the level the PDF's streams are deflated at: zlib's default. pydyf deflates every stream at 9,
#: twice the time on the embedded font subsets (CFF outlines, which deflate shrinks little) for
#: 0.3 % fewer bytes: 7 of crossover-summary's 120 ms, its five subsets 590 KB before deflating
STREAM_LEVEL = 6


def _deflate_streams(pdf: Any) -> None:
    """Deflate each stream pydyf would deflate, at STREAM_LEVEL, leaving pydyf nothing to do:
    the same streams, filter and content."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(data, STREAM_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


#: new objects between two of the garbage collector's passes while a document is laid out and
#: written (Python's default is 700): WeasyPrint makes tens of thousands of objects per page, most
#: of which live until the document is written, so that at 700 the collector ran 25 times over
#: crossover-summary's sheet, and every tenth time through all older objects, to free next to
#: nothing; 20,000 new objects are a few megabytes at most
RENDER_GC_THRESHOLD = 20_000


@contextlib.contextmanager
def _fewer_collections() -> Any:
    """The collector's first threshold raised to RENDER_GC_THRESHOLD for the block (renders
    take render_lock, so one at a time sets it and puts it back)."""
    first, *older = gc.get_threshold()
    gc.set_threshold(max(first, RENDER_GC_THRESHOLD), *older)
    try:
        yield
    finally:
        gc.set_threshold(first, *older)


def render_html(html: str, setup: PrintSetup, resources: Resources | None = None) -> bytes:
    fetcher = SafeFetcher(setup.fonts, resources)
    kind = HTML if setup.uses_pseudo or _USES_PSEUDO.search(html) else LeanHTML
    with render_lock, _fewer_collections():
        document = kind(string=html, url_fetcher=fetcher).render(
            stylesheets=[setup.stylesheet], font_config=setup.font_config
        )
        codes = _qr_boxes(document) if QR_ATTRIBUTE in html else []
        draw = _draw_qr_codes(codes) if any(codes) else None

        def finish(document: Any, pdf: Any) -> None:
            _escape_font_names(pdf)
            if draw is not None:
                draw(document, pdf)
            _deflate_streams(pdf)

        return document.write_pdf(finisher=finish)


def html_for(
    name: str, documents: Sequence[Document], settings: RenderSettings, resources: Resources,
    **extra: Any,
) -> str:
    # the shipped root stays searchable: an instance's form.html may extend a shipped base
    roots = tuple(dict.fromkeys((*settings.template_roots, FORM_TEMPLATES)))
    template = file_environment(roots).get_template(f"{name}/{TEMPLATE}")
    return template.render(documents=documents, attach=resources.attach, **extra)


def render(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    setup = print_setup(settings.font_dir)
    resources = Resources()
    html = html_for(name, documents, settings, resources)
    return Rendered(render_html(html, setup, resources), "pdf")


def render_layered(name: str, documents: Sequence[Document], settings: RenderSettings) -> Rendered:
    """Many pages that share a background: the template renders what all pages share when given
    part="layer" and each page's own content when given part="pages"; the shared layer is laid
    out once and drawn beneath every page as one form (render/compose.py). A template that knows
    no parts (an instance's own, say) is rendered whole."""
    from .compose import underlay

    setup = print_setup(settings.font_dir)
    resources = Resources()
    layer = render_html(html_for(name, documents, settings, resources, part="layer"), setup, resources)
    if PdfReader(io.BytesIO(layer)).get_num_pages() != 1:
        return render(name, documents, settings)
    pages = render_html(html_for(name, documents, settings, resources, part="pages"), setup, resources)
    return Rendered(underlay(layer, pages), "pdf")
