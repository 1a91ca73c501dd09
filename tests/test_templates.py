"""Every committed form.docx / form.xlsx is exactly what its build.py writes."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .helpers import ROOT

TEMPLATES = ROOT / "form_templates"
BUILT = sorted(
    p for p in TEMPLATES.glob("*/form.*")
    if p.suffix in (".docx", ".xlsx") and (p.parent / "build.py").exists()
)


def _content_parts(path: Path) -> dict[str, bytes]:
    # document properties carry the build time; everything a reader sees lives in the rest
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.startswith("docProps/")}


def test_every_builder_has_its_template():
    builders = {p.parent.name for p in TEMPLATES.glob("*/build.py") if not p.parent.name.startswith("_")}
    assert builders == {p.parent.name for p in BUILT}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rebuilt")
    subprocess.run([sys.executable, str(TEMPLATES / "build_all.py"), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("template", BUILT, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_template_matches_its_builder(template, rebuilt):
    fresh = rebuilt / template.parent.name / template.name
    assert _content_parts(fresh) == _content_parts(template), (
        f"{template} differs from what build.py writes: run `make templates` and commit"
    )


@pytest.mark.parametrize("template", [p for p in BUILT if p.suffix == ".docx"],
                         ids=lambda p: p.parent.name)
def test_a_word_template_carries_only_the_styles_it_uses(template):
    import re

    parts = _content_parts(template)
    assert "word/stylesWithEffects.xml" not in parts
    styles = set(re.findall(rb'<w:style [^>]*w:styleId="([^"]+)"', parts["word/styles.xml"]))
    used = set(re.findall(rb'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"',
                          b"".join(v for n, v in parts.items() if n.startswith("word/"))))
    # the defaults Word falls back on, and what the used ones are based on or linked to
    assert used <= styles <= used | {b"Normal", b"DefaultParagraphFont", b"TableNormal", b"NoList",
                                     b"HeaderChar", b"ListParagraph"}
