"""Photos: only real JPEG/PNG pass, bombs and damaged files are refused, output is clean and sized."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image, ImageDraw
from pydantic import BaseModel, Field, ValidationError

from formsvc.errors import InvalidImage
from formsvc.forms.base import problems_from
from formsvc.images import (
    MAX_PHOTO_BYTES,
    TWO_INCH_MM,
    Photo,
    PhotoField,
    decode_text,
    photo_from_text,
    prepare_photo,
)

from .helpers import bomb_png

#: a 2-inch box at 300 dpi, in pixels
BOX_PX = (413, 579)


def encoded(image: Image.Image, kind: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def portrait(size: tuple[int, int] = (600, 840), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size, (230, 238, 248))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.55), fill=(210, 175, 150))
    draw.rectangle((0, height * 0.9, width, height), fill=(60, 70, 90))  # marks the bottom edge
    return image.convert(mode)


def reopened(photo: Photo) -> Image.Image:
    image = Image.open(io.BytesIO(photo.data))
    image.load()
    return image


# --- accepted --------------------------------------------------------------------------------


def test_a_large_jpeg_is_shrunk_to_the_two_inch_box_at_300_dpi():
    photo = prepare_photo(encoded(portrait((2400, 3360))))
    image = reopened(photo)
    assert image.format == "JPEG"
    assert (image.width, image.height) == (photo.width_px, photo.height_px)
    assert image.width <= BOX_PX[0] and image.height <= BOX_PX[1]
    assert max(image.width / BOX_PX[0], image.height / BOX_PX[1]) > 0.99  # fills the box
    assert photo.fit_mm() == pytest.approx(TWO_INCH_MM, abs=0.1)


def test_a_small_photo_is_not_blown_up_but_still_prints_at_box_size():
    photo = prepare_photo(encoded(portrait((200, 280))))
    assert (photo.width_px, photo.height_px) == (200, 280)
    assert photo.fit_mm() == pytest.approx((35.0, 49.0))


def test_a_wide_photo_keeps_its_proportions_inside_the_box():
    photo = prepare_photo(encoded(portrait((800, 600))))
    width, height = photo.fit_mm()
    assert width == pytest.approx(35.0) and height == pytest.approx(26.25, abs=0.05)


def test_exif_orientation_is_applied_and_every_piece_of_metadata_dropped():
    # a phone stores the pixels sideways and says "rotate 90° clockwise" (orientation 6)
    sideways = portrait((840, 600)).transpose(Image.Transpose.ROTATE_90)
    assert sideways.size == (600, 840)
    sideways = sideways.resize((840, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (30.0, 35.0, 0.0)}  # GPS
    raw = encoded(sideways, exif=exif.tobytes(), comment=b"secret note", icc_profile=b"")
    assert Image.open(io.BytesIO(raw)).getexif()[0x0112] == 6
    image = reopened(prepare_photo(raw))
    assert image.height > image.width  # upright: portrait
    assert not image.getexif()
    assert "comment" not in image.info and "exif" not in image.info
    assert "icc_profile" not in image.info
    assert b"secret note" not in prepare_photo(raw).data
    assert b"PhoneMaker" not in prepare_photo(raw).data


def test_transparent_png_is_put_on_white_paper():
    image = Image.new("RGBA", (300, 420), (255, 0, 0, 0))
    result = reopened(prepare_photo(encoded(image, "PNG")))
    assert result.mode == "RGB"
    assert result.getpixel((150, 210)) == pytest.approx((255, 255, 255), abs=3)


@pytest.mark.parametrize(
    ("image", "kind"),
    [
        (portrait(mode="CMYK"), "JPEG"),
        (portrait(mode="L"), "JPEG"),
        (portrait(mode="P"), "PNG"),
        (Image.new("I;16", (300, 420), 40000), "PNG"),
        (portrait(mode="LA"), "PNG"),
    ],
    ids=["cmyk-jpeg", "grey-jpeg", "palette-png", "16-bit-png", "grey-alpha-png"],
)
def test_every_common_pixel_format_comes_out_as_a_plain_jpeg(image, kind):
    result = reopened(prepare_photo(encoded(image, kind)))
    assert result.format == "JPEG" and result.mode in ("RGB", "L")


def test_a_png_named_jpg_is_judged_by_its_content_not_its_name():
    # there is no name to trust at all: the bytes are decoded as what they are
    photo = prepare_photo(encoded(portrait(), "PNG"))
    assert reopened(photo).format == "JPEG"


# --- refused ---------------------------------------------------------------------------------


UNDECODABLE = "照片不是有效的 JPEG 或 PNG 图片（无法解码，文件可能已损坏）"


def _truncated_jpeg() -> bytes:
    raw = encoded(portrait((1200, 1680)).effect_spread(20), quality=95)
    return raw[: len(raw) * 2 // 3]


def _gif() -> bytes:
    return encoded(portrait(), "GIF")


def _webp() -> bytes:
    return encoded(portrait(), "WEBP")


def _ten_megabytes() -> bytes:
    return encoded(portrait()) + b"\0" * (10 * 1024 * 1024)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"", "照片为空文件"),
        (lambda: "这不是图片".encode() * 100, UNDECODABLE),
        (lambda: b"\xff\xd8\xff\xe0" + b"\0" * 500, UNDECODABLE),
        (_truncated_jpeg, UNDECODABLE),
        (_gif, "照片只能是 JPEG 或 PNG 图片（收到的是 GIF 文件）"),
        (_webp, "照片只能是 JPEG 或 PNG 图片（收到的是 WebP 文件）"),
        (lambda: b"%PDF-1.7\n" + b"0" * 100, "照片只能是 JPEG 或 PNG 图片（收到的是 PDF 文件）"),
        (_ten_megabytes, "照片不能超过 2 MB（收到 10.0 MB）"),
        (lambda: bomb_png(6000), "照片像素过多（6000×6000），不能超过 2500 万像素"),
        (lambda: bomb_png(30000), "照片像素过多，不能超过 2500 万像素"),
        (lambda: encoded(portrait((60, 80))), "照片分辨率过低（60×80 像素），宽和高至少 100 像素"),
    ],
    ids=["empty", "text", "jpeg-header-only", "truncated-jpeg", "gif", "webp", "pdf", "10-mb",
         "36-megapixel-bomb", "900-megapixel-bomb", "tiny"],
)
def test_unusable_files_are_refused_naming_the_field(make, message):
    raw = make()
    with pytest.raises(InvalidImage) as caught:
        prepare_photo(raw)
    assert caught.value.problems[0].msg == message
    assert caught.value.problems[0].loc == ("photo",)
    assert caught.value.status == 422


def test_truncated_files_are_refused_even_where_pillow_is_told_to_accept_them(monkeypatch):
    # WeasyPrint sets this for the whole process when it is imported, as the service does
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = encoded(portrait((1200, 1680)).effect_spread(20), quality=95)
    png = encoded(portrait((1200, 1680)).effect_spread(20), "PNG")
    # the end of a JPEG is image data up to the EOI marker; a PNG's last 12 bytes are the IEND
    # chunk after all pixels, so it is cut in its image data only
    for raw, last in ((whole, len(whole) - 10), (png, len(png) - 40)):
        prepare_photo(raw)
        for cut in (len(raw) // 3, len(raw) * 2 // 3, last):
            with pytest.raises(InvalidImage) as caught:
                prepare_photo(raw[:cut])
            assert caught.value.problems[0].msg == UNDECODABLE
    # bytes after the end of a complete image are not truncation
    assert prepare_photo(whole + b"trailing").width_px == 413


def test_bombs_are_small_files():
    # what makes them dangerous: a few kilobytes that would decode to gigabytes
    assert len(bomb_png(30000)) < MAX_PHOTO_BYTES // 2


def test_another_field_and_label_can_be_named():
    with pytest.raises(InvalidImage) as caught:
        prepare_photo(b"nope", label="证件照", loc=("rows", 3, "photo"))
    assert caught.value.problems[0].loc == ("rows", 3, "photo")
    assert caught.value.problems[0].msg.startswith("证件照不是有效的")


# --- as text ---------------------------------------------------------------------------------

JPEG = encoded(portrait())


@pytest.mark.parametrize(
    "text",
    [
        base64.b64encode(JPEG).decode(),
        "data:image/jpeg;base64," + base64.b64encode(JPEG).decode(),
        "data:image/png;base64," + base64.b64encode(JPEG).decode(),  # the declared type proves nothing
        "DATA:image/jpeg;charset=binary;base64," + base64.b64encode(JPEG).decode(),
        "\n".join(base64.encodebytes(JPEG).decode().split()),  # MIME line-wrapped
        base64.urlsafe_b64encode(JPEG).decode().rstrip("="),
    ],
    ids=["bare", "data-url", "data-url-wrong-type", "data-url-params", "wrapped", "urlsafe-unpadded"],
)
def test_base64_in_every_usual_spelling(text):
    assert decode_text(text) == JPEG
    assert reopened(photo_from_text(text)).format == "JPEG"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not base64 at all!", "照片应为 base64 编码的 JPEG 或 PNG 图片"),
        ("data:image/jpeg,rawbytes", "照片的 data URL 应为 base64 编码（data:image/jpeg;base64,…）"),
        ("data:;;", "照片的 data URL 格式错误"),
        ("A" * (3 * 1024 * 1024), "照片不能超过 2 MB"),
    ],
    ids=["garbage", "data-url-not-base64", "broken-data-url", "too-long"],
)
def test_bad_text_is_refused_before_decoding(text, message):
    with pytest.raises(InvalidImage) as caught:
        photo_from_text(text)
    assert caught.value.problems[0].msg == message


# --- as a form field -------------------------------------------------------------------------


class WithPhoto(BaseModel):
    photo: PhotoField | None = Field(None, title="二寸照片")


def test_the_field_takes_base64_or_bytes_and_serialises_as_a_data_url():
    from_text = WithPhoto(photo=base64.b64encode(JPEG).decode()).photo
    from_bytes = WithPhoto(photo=JPEG).photo
    assert isinstance(from_text, Photo) and from_text == from_bytes
    dumped = WithPhoto(photo=JPEG).model_dump(mode="json")["photo"]
    assert dumped.startswith("data:image/jpeg;base64,")
    again = WithPhoto(photo=dumped).photo  # a dump reads back (re-encoded, so other bytes)
    assert again is not None and (again.width_px, again.height_px) == (from_bytes.width_px,
                                                                     from_bytes.height_px)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"GIF89a" + b"\0" * 50, "二寸照片只能是 JPEG 或 PNG 图片（收到的是 GIF 文件）"),
        ("   ", "二寸照片不能为空（没有照片时请省略该字段）"),
        (12, "二寸照片应为 base64 编码的 JPEG 或 PNG 图片"),
        ("data:image/jpeg;base64,AAAA", "二寸照片不是有效的 JPEG 或 PNG 图片（无法解码，文件可能已损坏）"),
    ],
)
def test_field_errors_carry_the_forms_own_label(value, message):
    with pytest.raises(ValidationError) as caught:
        WithPhoto(photo=value)
    problems = problems_from(caught.value, WithPhoto)
    assert [(p.loc, p.msg) for p in problems] == [(("photo",), message)]


def test_the_schema_says_what_to_send():
    schema = WithPhoto.model_json_schema()["properties"]["photo"]
    photo = schema["anyOf"][0]
    assert photo["contentEncoding"] == "base64"
    assert "2 MB" in photo["description"]
