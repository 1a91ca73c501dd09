"""Photos: checked by decoding them, oriented, re-encoded without metadata, sized for print.

An uploaded photo is hostile until Pillow has decoded every pixel of it: the file name, the
declared type and the first bytes prove nothing. A photo is accepted only as JPEG or PNG, at most
2 MB, with a bounded pixel count (decompression bombs), is turned upright by its EXIF orientation,
shrunk to the box it prints in at 300 dpi and written anew as a baseline JPEG, so that nothing of
the original file (EXIF, GPS position, ICC tricks, trailing data) reaches a document.

Use ``prepare_photo(raw_bytes)`` for files (multipart parts, members of a photos ZIP) and
``photo_from_text(text)`` for base64 or data URLs; both raise InvalidImage naming the field. Forms
declare a photo field as ``PhotoField`` (see crossover_application). A ZIP of photos named by
identity number is opened by ``formsvc.sheets.photos.read_photo_archive``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import Annotated, Any

from PIL import Image, ImageOps
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

from .errors import InvalidImage, Loc, field_error

#: the largest file accepted (武人社规〔2022〕2号 sets none; 2 MB is what provincial upload systems allow)
MAX_PHOTO_BYTES = 2 * 1024 * 1024
#: the longest photo as text: MAX_PHOTO_BYTES in base64, and room for a data: URL's head
MAX_PHOTO_TEXT = (MAX_PHOTO_BYTES // 3 + 1) * 4 + 4096
#: more pixels than any ID photo needs; bounds the memory a decode may take (25 MP ≈ 75 MB RGB)
MAX_PHOTO_PIXELS = 25_000_000
#: fewer than this per side cannot print recognisably in a 2-inch box
MIN_PHOTO_SIDE = 100
#: a 2-inch (二寸) ID photo, width × height in millimetres
TWO_INCH_MM = (35.0, 49.0)
PRINT_DPI = 300
JPEG_QUALITY = 90

ACCEPTED_FORMATS = ("JPEG", "PNG")

#: formats people commonly send instead, recognised only to say what was received
_OTHER_FORMATS = (
    (b"GIF87a", "GIF"), (b"GIF89a", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"),
)

_DATA_URL = re.compile(r"data:(?P<type>[\w.+/-]*)(?P<params>(;[\w.+-]+=[\w.+-]+)*)(?P<b64>;base64)?,",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Photo:
    """A checked photo: baseline JPEG bytes without metadata, upright, at most print size."""

    data: bytes
    width_px: int
    height_px: int
    mimetype: str = "image/jpeg"

    def fit_mm(self, box_mm: tuple[float, float] = TWO_INCH_MM) -> tuple[float, float]:
        """Width and height in mm that fill box_mm as far as the photo's proportions allow."""
        box_width, box_height = box_mm
        scale = min(box_width / self.width_px, box_height / self.height_px)
        return round(self.width_px * scale, 2), round(self.height_px * scale, 2)

    def data_url(self) -> str:
        return f"data:{self.mimetype};base64,{base64.b64encode(self.data).decode('ascii')}"

    def summary(self) -> str:
        return f"JPEG 照片 {self.width_px}×{self.height_px} 像素，{len(self.data) // 1024} KB"


class _Source(io.BytesIO):
    """The file being decoded; notes when a decoder asked for more bytes than there are.

    Pillow refuses a truncated file only while ImageFile.LOAD_TRUNCATED_IMAGES is False, and
    WeasyPrint sets it True for the whole process when imported: a cut-off upload would then
    decode as a half-grey photo. A read at the end during load() is that truncation.
    """

    ran_out = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if not data and size != 0:
            self.ran_out = True
        return data


def _box_pixels(box_mm: tuple[float, float], dpi: int) -> tuple[int, int]:
    return tuple(round(side / 25.4 * dpi) for side in box_mm)  # type: ignore[return-value]


def _received(raw: bytes) -> str | None:
    for magic, name in _OTHER_FORMATS:
        if raw.startswith(magic):
            return name
    if raw.startswith(b"RIFF") and raw[8:12] == b"WEBP":
        return "WebP"
    if raw[4:8] == b"ftyp" and raw[8:12] in (b"heic", b"heix", b"mif1", b"hevc", b"avif"):
        return "HEIC/AVIF"  # what phones save by default
    return None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L: transparency on white paper, 16-bit greys scaled down, CMYK converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("RGB")


def prepare_photo(
    raw: bytes,
    *,
    box_mm: tuple[float, float] = TWO_INCH_MM,
    dpi: int = PRINT_DPI,
    label: str = "照片",
    loc: Loc = ("photo",),
) -> Photo:
    """The photo in raw, checked and re-encoded to fit box_mm at dpi; InvalidImage if unusable."""

    def refuse(reason: str) -> InvalidImage:
        return InvalidImage(reason, label=label, loc=loc)

    if not raw:
        raise refuse("为空文件")
    if len(raw) > MAX_PHOTO_BYTES:
        raise refuse(f"不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB"
                     f"（收到 {len(raw) / (1024 * 1024):.1f} MB）")
    other = _received(raw)
    if other is not None:
        raise refuse(f"只能是 JPEG 或 PNG 图片（收到的是 {other} 文件）")
    target = _box_pixels(box_mm, dpi)
    source = _Source(raw)
    try:
        image = Image.open(source, formats=ACCEPTED_FORMATS)
        width, height = image.size
        if width * height > MAX_PHOTO_PIXELS:
            raise refuse(f"像素过多（{width}×{height}），不能超过 {MAX_PHOTO_PIXELS // 10_000} 万像素")
        if image.format == "JPEG":
            # decode at a reduced scale still larger than the box: a big JPEG costs little
            side = max(target)
            image.draft("RGB", (side, side))
        source.ran_out = False
        image.load()
        if source.ran_out:
            raise OSError("truncated")
        image = ImageOps.exif_transpose(image)
        image = _flatten(image)
    except InvalidImage:
        raise
    except Image.DecompressionBombError:
        raise refuse(f"像素过多，不能超过 {MAX_PHOTO_PIXELS // 10_000} 万像素") from None
    except Exception:
        # Pillow reports hostile or damaged files through many exception types (OSError for
        # truncation, SyntaxError for bad PNG chunks, ValueError, struct.error…); every one of
        # them means the same to the person uploading it
        raise refuse("不是有效的 JPEG 或 PNG 图片（无法解码，文件可能已损坏）") from None
    if min(width, height) < MIN_PHOTO_SIDE:
        raise refuse(f"分辨率过低（{width}×{height} 像素），宽和高至少 {MIN_PHOTO_SIDE} 像素")
    image.thumbnail(target, Image.Resampling.LANCZOS)
    # a new file from pixels only: Pillow would carry a JPEG comment (and more) over from info
    image.info = {}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(out.getvalue(), image.width, image.height)


def decode_text(text: str, *, label: str = "照片", loc: Loc = ("photo",)) -> bytes:
    """The bytes of a photo sent as text: bare base64, or a data: URL with ;base64."""
    text = text.strip()
    match = _DATA_URL.match(text)
    if match:
        if not match["b64"]:
            raise InvalidImage("的 data URL 应为 base64 编码（data:image/jpeg;base64,…）",
                               label=label, loc=loc)
        text = text[match.end():]
    elif text[:5].lower() == "data:":
        raise InvalidImage("的 data URL 格式错误", label=label, loc=loc)
    # base64 is four characters for three bytes: too long a text is refused before decoding it
    if len(text) > MAX_PHOTO_TEXT:
        raise InvalidImage(f"不能超过 {MAX_PHOTO_BYTES // (1024 * 1024)} MB", label=label, loc=loc)
    compact = re.sub(r"\s+", "", text).replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImage("应为 base64 编码的 JPEG 或 PNG 图片", label=label, loc=loc) from None


def photo_from_text(text: str, *, label: str = "照片", loc: Loc = ("photo",),
                    box_mm: tuple[float, float] = TWO_INCH_MM) -> Photo:
    return prepare_photo(decode_text(text, label=label, loc=loc), label=label, loc=loc, box_mm=box_mm)


# --- as a form field -------------------------------------------------------------------------


def _validate_photo(value: Any) -> Photo:
    if isinstance(value, Photo):
        return value
    try:
        if isinstance(value, bytes | bytearray):
            return prepare_photo(bytes(value))
        if isinstance(value, str):
            if not value.strip():
                raise field_error("不能为空（没有照片时请省略该字段）")
            return photo_from_text(value)
    except InvalidImage as error:
        # the form's own label goes in front of the reason (base.message_for)
        raise field_error(error.reason) from None
    raise field_error("应为 base64 编码的 JPEG 或 PNG 图片")


#: a 2-inch photo field: base64 / data URL in JSON, or bytes from a multipart file part
PhotoField = Annotated[
    Photo,
    PlainValidator(_validate_photo),
    PlainSerializer(lambda photo: photo.data_url(), return_type=str),
    WithJsonSchema({
        "type": "string",
        "contentEncoding": "base64",
        "contentMediaType": "image/jpeg",
        "maxLength": MAX_PHOTO_TEXT,
        "description": "二寸照片：JPEG 或 PNG，不超过 2 MB；base64 或 data URL（data:image/jpeg;base64,…），"
                       "或以 multipart 文件上传",
    }),
]
