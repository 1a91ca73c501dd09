"""The import contract of formsvc/: its layers import one way only, downwards.

The walk of a request is blueprint → form model → documents → renderer → bytes; each step may use
what lies below it and never what lies above, so that a form knows no file format, a renderer
knows no form, and neither knows Flask's configuration or the web. Read from the source with ast
(every import, also those inside functions), like the declared-dependency test of test_setup.py.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from formsvc.forms import FORMS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "formsvc"

#: the layers, lowest first, by the top-level module or package of formsvc/ ("" is formsvc/__init__.py,
#: create_app); a module may import its own layer and the ones below
LAYERS: tuple[tuple[str, ...], ...] = (
    # what every part uses: errors, settings, the database, the domain's words, the shared types
    ("errors", "config", "db", "scratch", "text", "dates", "counts", "contacts", "identity", "images",
     "boxes", "documents", "clock"),
    # the forms: data models, rules, the documents they fill
    ("forms",),
    # the renderers: documents to DOCX, PDF, XLSX
    ("render",),
    # a form's data, or a sheet of rows, to checked files
    ("budget", "sheets", "produce", "applications"),
    # the registry of certificates, their signing, the office's users
    ("registry", "signing", "users"),
    # bulk jobs, and the list of every table
    ("jobs", "models"),
    # what a person or a process talks to: the web, the command line, the app itself, migrations
    ("web", "cli", "migrations", "serving", ""),
)

#: imports up the layers that are needed all the same, and why
UPWARD_ALLOWED: dict[tuple[str, str], str] = {
    ("jobs", ""): "a worker process of its own (a pool worker, a Celery worker) builds the app it "
                  "runs in with create_app",
}

#: packages that read or write a file format: no form module imports them
FORMAT_PACKAGES = frozenset({"docx", "docxtpl", "openpyxl", "weasyprint", "pypdf", "pypdfium2",
                             "pyhanko", "pikepdf", "reportlab"})
#: the file formats, as a form module must not name them (but in the catalogue's formats=)
FORMATS = ("docx", "pdf", "xlsx", "zip")


def layer_of(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"formsvc/{part or '__init__.py'} is in no layer of tests/test_layers.py: "
                         "place it in LAYERS")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_part(module: str) -> str:
    """formsvc.render.pdf → render; formsvc → "" (the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Import:
    where: str  # formsvc/render/pdf.py:28
    target: str  # a module: formsvc.render.pdf, weasyprint.text.fonts


def imports_of(path: Path, root: Path = ROOT) -> Iterator[Import]:
    """Every import of the module at path, resolved to absolute module names; from M import n is
    M.n when n is a module of formsvc/, else M."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def is_module(dotted: str) -> bool:
        file = root.joinpath(*dotted.split("."))
        return file.with_suffix(".py").is_file() or (file / "__init__.py").is_file()

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        at = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(at, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                yield Import(at, candidate if is_module(candidate) else source)


def _own(target: str) -> bool:
    return target == "formsvc" or target.startswith("formsvc.")


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _strings(tree: ast.AST) -> Iterator[ast.Constant]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node


def _catalogue_declarations(tree: ast.AST) -> set[int]:
    """The string constants of formats= arguments (the formats a form is offered in), by id()."""
    declared: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "formats":
            declared.update(id(c) for c in _strings(node.value))
    return declared


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and \
                node.body and isinstance(node.body[0], ast.Expr) and \
                isinstance(node.body[0].value, ast.Constant):
            found.add(id(node.body[0].value))
    return found


# --- the checks: each lists what breaks the contract in the tree at root -----------------------


def upward_imports(root: Path) -> list[str]:
    upward = []
    for path in _sources(root / "formsvc"):
        own = top_part(module_name(path, root))
        for found in imports_of(path, root):
            other = top_part(found.target)
            if _own(found.target) and layer_of(other) > layer_of(own) and (own, other) not in UPWARD_ALLOWED:
                upward.append(f"{found.where} {own or 'formsvc'} imports {found.target}")
    return upward


def forms_named_in_render(root: Path, names: set[str]) -> list[str]:
    """Imports of forms/ in render/, and strings naming a form by its id or module."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names))) + r")(?![\w-])")
    named = []
    for path in _sources(root / "formsvc" / "render"):
        named.extend(f"{i.where} imports {i.target}" for i in imports_of(path, root)
                     if i.target.startswith("formsvc.forms"))
        for node in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            match = pattern.search(node.value)
            if match:
                named.append(f"{path.relative_to(root)}:{node.lineno} names the form {match[1]}")
    return named


def formats_named_in_forms(root: Path) -> list[str]:
    """Imports of a format's package or of render/ in forms/, and strings naming a format (a
    docstring's prose and the catalogue's formats= aside)."""
    format_name = re.compile(r"(?:^|\.)(" + "|".join(FORMATS) + r")$", re.IGNORECASE)
    named = []
    for path in _sources(root / "formsvc" / "forms"):
        named.extend(f"{i.where} imports {i.target}" for i in imports_of(path, root)
                     if i.target.split(".")[0] in FORMAT_PACKAGES or i.target.startswith("formsvc.render"))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = _catalogue_declarations(tree) | _docstrings(tree)
        named.extend(f"{path.relative_to(root)}:{node.lineno} names the format {node.value!r}"
                     for node in _strings(tree)
                     if id(node) not in allowed and format_name.search(node.value.strip()))
    return named


def configuration_read_in_render(root: Path) -> list[str]:
    """render/ is handed its settings (documents.RenderSettings): Flask, current_app, .config[."""
    reaching = []
    for path in _sources(root / "formsvc" / "render"):
        reaching.extend(f"{i.where} imports {i.target}" for i in imports_of(path, root)
                        if i.target.split(".")[0] == "flask")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\bcurrent_app\b|\.config\[", line):
                reaching.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return reaching


def form_names() -> set[str]:
    """How a form is named in code: its id (post-quota) and its module (post_quota)."""
    return {spec.id for spec in FORMS.values()} | {
        spec.documents.__module__.rpartition(".")[2] for spec in FORMS.values()}


# --- the contract on formsvc/ -------------------------------------------------------------------


def test_every_module_is_in_a_layer():
    for path in _sources(PACKAGE):
        layer_of(top_part(module_name(path)))


def test_no_layer_imports_a_higher_one():
    assert not (found := upward_imports(ROOT)), "imports up the layers:\n" + "\n".join(found)


def test_every_allowed_upward_import_is_still_made():
    made = {(top_part(module_name(p)), top_part(i.target))
            for p in _sources(PACKAGE) for i in imports_of(p) if _own(i.target)}
    assert set(UPWARD_ALLOWED) <= made, "UPWARD_ALLOWED lists an import no module makes any more"


def test_the_renderers_name_no_form():
    names = form_names()
    assert {"post-quota", "post_quota", "crossover_application"} <= names
    assert not (found := forms_named_in_render(ROOT, names)), "render/ knows forms:\n" + "\n".join(found)


def test_the_forms_name_no_file_format():
    assert not (found := formats_named_in_forms(ROOT)), "forms/ knows file formats:\n" + "\n".join(found)


def test_the_renderers_read_no_configuration():
    assert not (found := configuration_read_in_render(ROOT)), \
        "render/ reads the app's configuration:\n" + "\n".join(found)


def test_each_check_finds_what_it_forbids(tmp_path):
    """A tree that breaks every rule once: each check reports exactly its own breach."""
    for folder in ("formsvc", "formsvc/render", "formsvc/forms"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "formsvc" / "web.py").write_text("")
    (tmp_path / "formsvc" / "render" / "pdf.py").write_text(
        "from .. import web\nfrom ..forms import pledge\nLAYOUT = 'post-quota'\n"
        "def fonts():\n    from flask import current_app\n    return current_app.config['FONT_DIR']\n")
    (tmp_path / "formsvc" / "forms" / "pledge.py").write_text(
        '"""A pledge, printed as PDF."""\nimport openpyxl\nTEMPLATE = "form.docx"\n'
        'SPEC = dict(formats=("docx", "pdf"))\n')
    assert upward_imports(tmp_path) == ["formsvc/render/pdf.py:1 render imports formsvc.web"]
    assert forms_named_in_render(tmp_path, {"post-quota", "pledge"}) == [
        "formsvc/render/pdf.py:2 imports formsvc.forms.pledge",
        "formsvc/render/pdf.py:3 names the form post-quota"]
    assert formats_named_in_forms(tmp_path) == [
        "formsvc/forms/pledge.py:2 imports openpyxl",
        "formsvc/forms/pledge.py:3 names the format 'form.docx'"]
    assert configuration_read_in_render(tmp_path) == [
        "formsvc/render/pdf.py:5 imports flask",
        "formsvc/render/pdf.py:5: from flask import current_app",
        "formsvc/render/pdf.py:6: return current_app.config['FONT_DIR']"]
