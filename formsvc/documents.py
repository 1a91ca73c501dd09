"""What the forms hand to the renderers, and what the renderers are given to work with.

Below both forms/ and render/: a form fills Documents and names its template folder, a renderer
turns them into bytes with the RenderSettings it is handed, and neither imports the other. The
settings are read from the app in one place (RenderSettings.of), so every caller — the API, the
form pages, the command line, a single certificate's reprint and a bulk job — renders with the
same fonts and the same instance template overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SetupError

if TYPE_CHECKING:
    from flask import Flask

#: the shipped templates, one folder per form (and certificate/ for the certificate)
FORM_TEMPLATES = Path(__file__).resolve().parent.parent / "form_templates"
#: where, under an instance folder, its own versions of the templates live
OVERRIDES = "form_templates"
#: the folder of what every document's templates extend (form_templates/_base/page.html, …)
SHARED = "_base"


@dataclass(frozen=True)
class Document:
    """One filled copy of a form: a name for its file and what its templates are rendered with."""

    name: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class TemplateFolder:
    """The templates of one document: an instance's own folder first, then the shipped one."""

    name: str
    roots: tuple[Path, ...] = (FORM_TEMPLATES,)

    def path(self, filename: str) -> Path:
        return self.first((filename,))

    def first(self, filenames: Iterable[str]) -> Path:
        """The first of the files found, searching the roots in order: an instance's folder
        holding any of them decides, before the shipped one."""
        names = tuple(filenames)
        for root in self.roots:
            for filename in names:
                candidate = root / self.name / filename
                if candidate.is_file():
                    return candidate
        raise SetupError(f"模板缺失：{self.name}/{'、'.join(names)}")

    def state(self) -> tuple[tuple[str, int, int], ...]:
        """Every file this document's templates are made of now, in its folder and the shared
        one of every root, with its size and time of change: what a rendering remembered for
        them must still match (an instance's template may change while the service runs)."""
        files = []
        for root in self.roots:
            for folder in (root / self.name, root / SHARED):
                if folder.is_dir():
                    for path in sorted(folder.rglob("*")):
                        if path.is_file():
                            stat = path.stat()
                            files.append((str(path), stat.st_size, stat.st_mtime_ns))
        return tuple(files)


@dataclass(frozen=True)
class RenderSettings:
    """What rendering needs from the configuration: where the compact print fonts are cached, and
    the template roots searched in order (the instance's overrides, then the shipped ones)."""

    font_dir: str
    template_roots: tuple[Path, ...] = (FORM_TEMPLATES,)

    @classmethod
    def of(cls, app: Flask) -> RenderSettings:
        """The settings of app: FONT_DIR, and instance/form_templates/ before the shipped templates
        (the notices let each region adapt the tables: 各地区各部门可结合实际适当调整)."""
        overrides = Path(app.instance_path) / OVERRIDES
        return cls(font_dir=str(app.config["FONT_DIR"]), template_roots=(overrides, FORM_TEMPLATES))

    def templates(self, name: str) -> TemplateFolder:
        """The folder of the document called name (a form id, or certificate), overrides first."""
        return TemplateFolder(name, self.template_roots)
