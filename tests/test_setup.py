"""A fresh clone needs nothing installed by hand: the Makefile sets up everything, the committed
files alone render every form, and every imported package is a declared dependency."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("clone") / "formsvc"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def test_make_setup_creates_the_venv_and_installs_system_packages(clone):
    plan = subprocess.run(["make", "-n", "-C", str(clone), "test"], capture_output=True, text=True,
                          check=True).stdout
    assert "-m venv .venv" in plan
    assert "pip install --quiet -e '.[test]'" in plan
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0", "chromium"):
        assert package in plan
    assert "apt-get install" in plan
    assert "pytest" in plan
    ci = (clone / ".ci" / "run").read_text()
    assert "make test" in ci
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


def test_every_imported_package_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        d.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for d in project["dependencies"] + project["optional-dependencies"]["test"]
    }
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in _imported_packages(ROOT / "formsvc") | _imported_packages(ROOT / "tests"):
        if module in sys.stdlib_module_names or module in ("formsvc", "tests", "docx_kit"):
            continue
        dists = {d.lower() for d in distributions.get(module, [])}
        if not dists & declared and not any(d.replace("_", "-") in declared for d in dists):
            missing[module] = sorted(dists)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
