"""Chinese fonts for print: find Noto CJK and the Fandol faces, build compact faces, know which
characters they draw."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb

from ..errors import Loc, SetupError

INSTALL_HINT = (
    "未找到中文字体 Noto CJK（Noto Serif CJK SC / Noto Sans CJK SC）。"
    "请安装 Debian 软件包：apt-get install fonts-noto-cjk libharfbuzz-subset0"
)
FANDOL_HINT = (
    "未找到仿宋、楷体字体（FandolFang / FandolKai）。"
    "请安装 Debian 软件包：apt-get install texlive-lang-chinese"
)

#: the faces print uses: CSS name → (family, style). 宋体 and 黑体 are Noto Serif/Sans CJK SC;
#: 仿宋 and 楷体 are true FangSong and Kai faces, FandolFang and FandolKai (Debian's
#: texlive-lang-chinese): of the free faces Debian ships they alone are a 仿宋 (AR PL UKai and
#: LXGW WenKai are 楷体 only), and both draw every one of the 6,763 hanzi of GB 2312 in the
#: mainland's standard forms, in about 10,000 glyphs (README, "Fonts")
FACES: dict[str, tuple[str, str]] = {
    "serif-regular": ("Noto Serif CJK SC", "Regular"),
    "serif-bold": ("Noto Serif CJK SC", "Bold"),
    "sans-regular": ("Noto Sans CJK SC", "Regular"),
    "sans-bold": ("Noto Sans CJK SC", "Bold"),
    "fang-regular": ("FandolFang", "Regular"),
    "kai-regular": ("FandolKai", "Regular"),
}
#: faces that must be there, with the package that brings them
REQUIRED: dict[str, str] = {
    "serif-regular": INSTALL_HINT, "sans-regular": INSTALL_HINT,
    "fang-regular": FANDOL_HINT, "kai-regular": FANDOL_HINT,
}
#: where texlive-lang-chinese puts the Fandol faces (fontconfig does not index TeX's fonts)
FONT_FILES: dict[str, Path] = {
    "fang-regular": Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf"),
    "kai-regular": Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolKai-Regular.otf"),
}

#: Word's names for the fonts of official documents, and the face that prints each
CSS_FAMILIES: dict[str, str] = {"宋体": "serif", "仿宋": "fang", "楷体": "kai", "黑体": "sans"}

#: bump when the compact faces change, so that stale files in the font folder are rebuilt
COMPACT_VERSION = "1"


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int


def _fc_list() -> str:
    try:
        return subprocess.run(
            ["fc-list", "--format", "%{file}|%{index}|%{family}|%{style}\n", ":lang=zh-cn"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise SetupError(f"{INSTALL_HINT}（fc-list 无法运行：{error}）") from error


@functools.cache
def installed_faces() -> dict[str, FontFace]:
    """The faces of FACES that are installed, by CSS name; regular faces are required (a face
    with no bold of its own is emboldened from its regular)."""
    found: dict[str, FontFace] = {}
    for line in _fc_list().splitlines():
        parts = line.split("|")
        if len(parts) != 4:
            continue
        file, index, families, styles = parts
        for name, (family, style) in FACES.items():
            if family in families.split(",") and style in styles.split(","):
                found.setdefault(name, FontFace(Path(file), int(index or 0)))
    for name, path in FONT_FILES.items():
        if name not in found and path.is_file():
            found[name] = FontFace(path, 0)
    for name, hint in REQUIRED.items():
        if name not in found:
            raise SetupError(hint)
    for kind in CSS_FAMILIES.values():
        found.setdefault(f"{kind}-bold", found[f"{kind}-regular"])
    return found


def _common_characters() -> set[int]:
    """ASCII, Latin-1, punctuation, fullwidth forms and the 6,763 hanzi of GB 2312."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x24A0))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | {0x25A1, 0x25CB, 0x221A}
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(ord(bytes((first, second)).decode("gb2312")))
    return chars


def _compact(face: FontFace, target: Path) -> None:
    # WeasyPrint subsets with the glyph ids kept, so an embedded subset of a 65,000-glyph CJK
    # face still carries an entry per glyph up to the highest one used: 400-600 KB per face.
    # Re-numbering the common characters into a face of about 8,000 glyphs first keeps every
    # embedded face small; characters outside it fall back to the full installed face.
    source = hb.Face(hb.Blob.from_file_path(str(face.path)), face.index)
    request = hb.SubsetInput()
    for char in _common_characters():
        request.unicode_set.add(char)
    request.sets(hb.SubsetInputSets.LAYOUT_FEATURE_TAG).invert()
    data = hb.subset(source, request).blob.data
    staging = target.with_suffix(f".{os.getpid()}.tmp")
    staging.write_bytes(data)
    staging.replace(target)


def compact_faces(font_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """The compact faces, built into font_dir when missing or stale (about 0.1 s each); a name
    standing for another's face (a bold that is the regular) shares its file."""
    folder = Path(font_dir)
    folder.mkdir(parents=True, exist_ok=True)
    result: dict[str, Path] = {}
    built: dict[FontFace, Path] = {}
    for name, face in installed_faces().items():
        if face in built:
            result[name] = built[face]
            continue
        stat = face.path.stat()
        key = f"{COMPACT_VERSION}|{face.path}|{face.index}|{stat.st_size}|{stat.st_mtime_ns}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        target = folder / f"{name}-{digest}.otf"
        if not target.exists():
            _compact(face, target)
        result[name] = built[face] = target
    return result


def font_face_css() -> str:
    """@font-face rules naming the compact faces after the fonts Word users know."""
    rules = []
    for family, kind in CSS_FAMILIES.items():
        for weight, style in ((400, "regular"), (700, "bold")):
            rules.append(
                f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                f'src: url("font:{kind}-{style}"); }}'
            )
    return "\n".join(rules)


@functools.cache
def drawable() -> frozenset[int]:
    """Every character the installed print faces can draw."""
    chars: set[int] = set()
    for face in installed_faces().values():
        chars |= set(hb.Face(hb.Blob.from_file_path(str(face.path)), face.index).unicodes)
    return frozenset(chars)


_IGNORED = frozenset(map(ord, "\n\t\r"))


def undrawable(values: Iterable[tuple[Loc, str]]) -> Iterator[tuple[Loc, str]]:
    """(loc, character) for each character of the texts that no print font can draw."""
    chars = drawable()
    for loc, text in values:
        for char in text:
            code = ord(char)
            if code not in chars and code not in _IGNORED:
                yield loc, char
                break
