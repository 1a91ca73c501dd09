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
    assert set(faces) == set(fonts.FACES)
    for path in faces.values():
        face = hb.Face(hb.Blob.from_file_path(str(path)))
        assert ord("䶮") not in face.unicodes  # beyond GB 2312: left to the installed face
        assert {ord(c) for c in "诚信承诺书职称评审（）：，。"} <= set(face.unicodes)
        assert face.glyph_count < 9000


def test_every_gb2312_character_is_drawable():
    drawable = fonts.drawable()
    assert {ord(c) for c in "龚䶮喆堃玥"} <= drawable
    assert 0xF0001 not in drawable
