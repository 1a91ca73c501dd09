"""A ZIP of photos named by identity number: members by number, junk ignored, bombs refused."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from PIL import Image

from formsvc.errors import MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from formsvc.sheets.photos import read_photo_archive


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 420), (200, 180, 160)).save(out, "JPEG")
    return out.getvalue()


def archive(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zipped:
        for name, content in members.items():
            zipped.writestr(name, content)
    return out.getvalue()


def test_members_are_found_by_the_number_they_are_named_after():
    photo = jpeg()
    result = read_photo_archive(archive({
        "420106198803150415.jpg": photo,
        "照片/42010219900307231x.PNG": photo,  # in a folder, lower-case x, any extension
        "H1029384756.jpeg": photo,
        "__MACOSX/._420106198803150415.jpg": b"apple double",
        ".DS_Store": b"junk",
        "Thumbs.db": b"junk",
        "说明.txt": "请核对".encode(),
        "照片/": b"",
    }))
    assert set(result.photos) == {"420106198803150415", "42010219900307231X", "H1029384756"}
    assert result.get("42010219900307231X") == ("照片/42010219900307231x.PNG", photo)
    assert result.get("420106198803150416") is None
    assert set(result.ignored) == {"__MACOSX/._420106198803150415.jpg", ".DS_Store", "Thumbs.db",
                                   "说明.txt"}
    assert result.problems == ()
    assert result.summary() == "3 张照片，0 处问题，忽略 4 个文件"


def test_two_photos_for_one_number_and_oversized_members_are_problems():
    photo = jpeg()
    result = read_photo_archive(archive({
        "420106198803150415.jpg": photo,
        "a/420106198803150415.png": photo,
        "H1029384756.jpg": os.urandom(3 * 1024 * 1024),  # incompressible, like a photo
    }))
    assert [(p.loc, p.msg) for p in result.problems] == [
        (("photos", "a/420106198803150415.png"),
         "照片压缩包中证件号 420106198803150415 有两张照片："
         "420106198803150415.jpg、a/420106198803150415.png"),
        (("photos", "H1029384756.jpg"), "照片压缩包中的 H1029384756.jpg 超过 2 MB"),
    ]
    assert set(result.photos) == {"420106198803150415"}


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (jpeg(), UnsupportedMediaType,
         "照片压缩包应为 ZIP 文件（照片以证件号命名，如 420106198803150415.jpg）"),
        (b"PK\x03\x04" + b"\0" * 100, MalformedRequest, "照片压缩包已损坏，无法打开：请重新压缩后上传"),
        (archive({"420106198803150415.jpg": b"\0" * (50 * 1024 * 1024)}), PayloadTooLarge,
         "文件疑似“压缩炸弹”：部件 420106198803150415.jpg 解压后是压缩前的"),
        (archive({f"{n:018d}.jpg": b"x" for n in range(5001)}, zipfile.ZIP_STORED), PayloadTooLarge,
         "文件包含 5001 个部件（上限 5000），不是正常的照片压缩包"),
    ],
    ids=["not-a-zip", "damaged", "zip-bomb", "too-many-files"],
)
def test_hostile_archives_are_refused_before_unpacking(content, error, message):
    with pytest.raises(error) as caught:
        read_photo_archive(content)
    assert caught.value.problems[0].msg.startswith(message)
    assert caught.value.problems[0].loc == ("photos",)
