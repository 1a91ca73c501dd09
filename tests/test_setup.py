"""A fresh clone needs nothing installed by hand: the Makefile sets up everything, the committed
files alone render every form, and every imported package is a declared dependency."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .helpers import ROOT


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "formsvc"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def test_make_setup_creates_the_venv_and_installs_system_packages(clone):
    plan = subprocess.run(["make", "-n", "-C", str(clone), "test"], capture_output=True, text=True,
                          check=True).stdout
    assert "-m venv .venv" in plan
    # exactly the locked versions, hash-checked, then the project without resolving anything
    assert "pip install --quiet --require-hashes -r requirements.lock" in plan
    assert "pip install --quiet --no-deps -e ." in plan
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0", "chromium"):
        assert package in plan
    assert "apt-get install" in plan
    assert "pytest" in plan
    ci = (clone / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make check-lowest" in ci
    readme = (clone / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_committed_files_alone_render_every_form(clone, tmp_path, font_dir):
    script = """
import sys
# the checkout's editable install would otherwise win over the clone on PYTHONPATH
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
from formsvc import create_app
from formsvc.forms import FORMS
app = create_app({"TESTING": True, "FONT_DIR": sys.argv[1]})
client = app.test_client()
for form_id, spec in FORMS.items():
    data = client.get(f"/api/v1/forms/{form_id}/sample").get_json()
    for extension in spec.formats:
        response = client.post(f"/api/v1/forms/{form_id}/render?format={extension}", json=data)
        assert response.status_code == 200, (form_id, extension, response.get_json())
        blank = client.get(f"/api/v1/forms/{form_id}/blank?format={extension}")
        assert blank.status_code == 200, (form_id, extension)
import formsvc
print("rendered", len(FORMS), "from", formsvc.__file__)
"""
    env = {**os.environ, "PYTHONPATH": str(clone), "FORMSVC_INSTANCE_PATH": str(tmp_path / "i")}
    result = subprocess.run([sys.executable, "-c", script, str(font_dir)], cwd=clone, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rendered" in result.stdout
    # it really ran the clone's code, not this checkout's
    assert f"from {clone}" in result.stdout


def _imported_packages(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _requirements() -> dict[str, str]:
    """Declared requirement → its lower bound ("" when none), names normalised as in a lock file."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {}
    for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?\s*(?:>=\s*([0-9.]+))?.*", requirement)
        assert match, requirement
        requirements[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2] or ""
    return requirements


def _imported_by_project() -> set[str]:
    return set().union(*(_imported_packages(ROOT / folder) for folder in IMPORTING_FOLDERS))


#: where the project's own code imports packages from
IMPORTING_FOLDERS = ("formsvc", "tests", "benchmarks", "form_templates")

#: declared packages the code never imports, and why they are needed all the same
NOT_IMPORTED = {
    "psycopg": "SQLAlchemy loads it for postgresql+psycopg:// database URLs",
    "gunicorn": "the server make run starts",
    "pytest-xdist": "a pytest plugin (pytest -n)",
    "ruff": "the linter make test runs",
    "uv": "the resolver of make lock and make check-lowest",
}


def test_every_imported_package_is_a_declared_dependency():
    declared = set(_requirements())
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in _imported_packages(ROOT / "formsvc") | _imported_packages(ROOT / "tests"):
        if module in sys.stdlib_module_names or module in ("formsvc", "tests", "docx_kit"):
            continue
        dists = {d.lower() for d in distributions.get(module, [])}
        if not dists & declared and not any(d.replace("_", "-") in declared for d in dists):
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_every_declared_dependency_is_imported():
    """The other direction: nothing is declared that the project does not use (qrcode was)."""
    modules_of: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(re.sub(r"[-_.]+", "-", dist).lower(), set()).add(module)
    imported = _imported_by_project()
    unused = {
        name for name in _requirements()
        if name not in NOT_IMPORTED and not modules_of.get(name, set()) & imported
    }
    assert not unused, f"declared in pyproject.toml but never imported: {sorted(unused)}"
    assert not set(NOT_IMPORTED) - set(_requirements()), "NOT_IMPORTED names an undeclared package"


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {re.sub(r"[-_.]+", "-", m[1]).lower(): m[2]
            for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", text, re.MULTILINE)}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_lock_file_pins_every_declared_dependency_within_its_bounds():
    """make setup installs from requirements.lock: a dependency added to pyproject.toml without
    `make lock` would be missing from a fresh clone's venv."""
    locked = _locked()
    text = (ROOT / "requirements.lock").read_text()
    for name, lower in _requirements().items():
        assert name in locked, f"{name} is not in requirements.lock: run make lock"
        if lower:
            assert _version(locked[name]) >= _version(lower), f"{name}=={locked[name]} < {lower}: make lock"
    # every pin carries its hashes, so that pip --require-hashes accepts the file
    pins = re.findall(r"^[A-Za-z0-9_.-]+==.*?(?=^[A-Za-z0-9_.-]+==|\Z)", text, re.MULTILINE | re.DOTALL)
    assert pins and all("--hash=sha256:" in pin for pin in pins)


def test_no_virtual_environment_or_link_is_committed():
    # a .venv link once slipped past a .gitignore entry that matched folders only, and every clean
    # clone's `make setup` then failed on it
    tracked = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    paths = {line.split("\t", 1)[1]: line.split()[0] for line in tracked}
    links = [path for path, mode in paths.items() if mode == "120000"]
    venvs = [path for path in paths if path.split("/")[0] == ".venv"]
    assert not links and not venvs, (links, venvs)
