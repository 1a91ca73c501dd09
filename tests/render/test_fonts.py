"""Fonts: no Chinese font means no start, with the package to install named."""

from __future__ import annotations

import pytest

from formsvc.errors import SetupError
from formsvc.render import fonts


def test_service_refuses_to_start_without_cjk_fonts(monkeypatch, tmp_path):
    from formsvc import create_app

    fonts.installed_faces.cache_clear()
    monkeypatch.setattr(fonts, "_fc_list", lambda: "/usr/share/fonts/DejaVuSans.ttf|0|DejaVu Sans|Book\n")
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(tmp_path))
    try:
        with pytest.raises(SetupError, match="apt-get install fonts-noto-cjk"):
            create_app({"TESTING": True})
    finally:
        fonts.installed_faces.cache_clear()


def test_compact_faces_are_small_and_cover_gb2312(font_dir):
    import uharfbuzz as hb

    faces = fonts.compact_faces(font_dir)
    assert set(fonts.FACES) <= set(faces)
    for path in faces.values():
        face = hb.Face(hb.Blob.from_file_path(str(path)))
        assert ord("䶮") not in face.unicodes  # beyond GB 2312: left to the installed face
        assert {ord(c) for c in "诚信承诺书职称评审（）：，。"} <= set(face.unicodes)
        assert face.glyph_count < 9000


def test_every_gb2312_character_is_drawable():
    drawable = fonts.drawable()
    assert {ord(c) for c in "龚䶮喆堃玥"} <= drawable
    assert 0xF0001 not in drawable


def test_仿宋_and_楷体_are_fandol_faces_and_required(monkeypatch, tmp_path):
    from fontTools.ttLib import TTFont

    faces = fonts.compact_faces(tmp_path / "fonts")
    for name, family in (("fang-regular", "FandolFang"), ("kai-regular", "FandolKai")):
        assert TTFont(faces[name])["name"].getDebugName(1).startswith(family)
    # no bold of their own: the regular face's file stands for it, built once
    assert faces["fang-bold"] == faces["fang-regular"]
    assert fonts.CSS_FAMILIES["仿宋"] == "fang" and fonts.CSS_FAMILIES["楷体"] == "kai"
    fonts.installed_faces.cache_clear()
    monkeypatch.setattr(fonts, "FONT_FILES", {k: tmp_path / "gone.otf" for k in fonts.FONT_FILES})
    try:
        with pytest.raises(SetupError, match="apt-get install texlive-lang-chinese"):
            fonts.installed_faces()
    finally:
        fonts.installed_faces.cache_clear()
