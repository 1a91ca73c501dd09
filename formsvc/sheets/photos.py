"""A ZIP of photos named by identity number, uploaded beside a sheet (420106198803150415.jpg).

The ZIP is as hostile as a workbook: its entries are checked before anything is unpacked
(archive.check_entries: count, sizes, ratio). Each file is only unpacked here; it is checked as
a photo (images.prepare_photo) where it is used, so that its problem names the person.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from ..errors import Loc, MalformedRequest, PayloadTooLarge, Problem, UnsupportedMediaType
from ..identity import IdentityNumber
from ..images import MAX_PHOTO_BYTES
from .archive import check_entries
from .limits import MB, SheetLimits

#: a ZIP of photos: JPEG barely compresses, so it unpacks to about its own size (≤ the 16 MB
#: upload); anything packed tighter than 200:1 or unpacking past 64 MB is a bomb
PHOTO_ARCHIVE_LIMITS = SheetLimits(max_bytes=16 * MB, max_entries=5000, max_uncompressed=64 * MB,
                                   max_ratio=200, ratio_floor=MB)


@dataclass(frozen=True)
class PhotoArchive:
    """The photos of an uploaded ZIP, by the identity number each file is named after."""

    #: identity number → (name in the ZIP, bytes)
    photos: Mapping[str, tuple[str, bytes]]
    #: problems with the archive's members: two photos for one number, a file over 2 MB
    problems: tuple[Problem, ...] = ()
    #: files not named by an identity number (folders, __MACOSX, desktop.ini…), left unread
    ignored: tuple[str, ...] = ()

    def get(self, number: str) -> tuple[str, bytes] | None:
        return self.photos.get(number)

    def summary(self) -> str:
        return f"{len(self.photos)} 张照片，{len(self.problems)} 处问题，忽略 {len(self.ignored)} 个文件"


_NUMBER = TypeAdapter(IdentityNumber)


def _number_of(member: str) -> str | None:
    base = member.replace("\\", "/").rsplit("/", 1)[-1]
    if not base or base.startswith(".") or member.startswith("__MACOSX/"):
        return None
    stem = base.rpartition(".")[0] or base
    try:
        number = _NUMBER.validate_python(stem)
    except ValidationError:
        return None
    # every document number has digits; Thumbs.db and desktop.ini are not photos of anyone
    return number if any(c.isdigit() for c in number) else None


def read_photo_archive(content: bytes, *, label: str = "照片压缩包",
                       loc: Loc = ("photos",)) -> PhotoArchive:
    """The photos of a ZIP whose files are named by identity number (420106198803150415.jpg).

    The ZIP is checked before anything is unpacked (entries, sizes, ratio: zip bombs); a file
    that is not a ZIP, or a damaged one, raises with loc.
    """
    if not content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise UnsupportedMediaType(f"{label}应为 ZIP 文件（照片以证件号命名，如 420106198803150415.jpg）",
                                   loc=loc)
    if len(content) > PHOTO_ARCHIVE_LIMITS.max_bytes:
        raise PayloadTooLarge(f"{label}过大：{len(content) / MB:.1f} MB，上限 "
                              f"{PHOTO_ARCHIVE_LIMITS.max_bytes // MB} MB", loc=loc)
    photos: dict[str, tuple[str, bytes]] = {}
    problems: list[Problem] = []
    ignored: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_entries(archive, PHOTO_ARCHIVE_LIMITS, kind=label, loc=loc)
            for entry in archive.infolist():
                if entry.is_dir():
                    continue
                number = _number_of(entry.filename)
                if number is None:
                    ignored.append(entry.filename[:120])
                    continue
                where = (*loc, entry.filename[:120])
                if number in photos:
                    problems.append(Problem(where, f"{label}中证件号 {number} 有两张照片："
                                                   f"{photos[number][0]}、{entry.filename[:120]}"))
                elif entry.file_size > MAX_PHOTO_BYTES:
                    problems.append(Problem(where, f"{label}中的 {entry.filename[:120]} 超过 "
                                                   f"{MAX_PHOTO_BYTES // MB} MB"))
                else:
                    photos[number] = (entry.filename[:120], archive.read(entry))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, OSError) as error:
        raise MalformedRequest(f"{label}已损坏，无法打开：请重新压缩后上传", loc=loc) from error
    return PhotoArchive(photos, tuple(problems), tuple(ignored))
