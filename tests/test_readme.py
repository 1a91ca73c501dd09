"""The README's commands run as written in a fresh shell: nothing assumes an activated venv (no
bare `flask`, `gunicorn`, `celery`…: `.venv/bin/…` or a make target), every program named exists,
every make target is in the Makefile, and every `flask --app formsvc` command is one of the
service's commands and answers `--help`."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click

from .helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV_BIN = Path(sys.executable).parent
#: the programs the project installs into .venv/bin: a fresh shell finds none of them on PATH
VENV_PROGRAMS = {path.name for path in VENV_BIN.iterdir()} - {"python", "python3"}
FENCED = re.compile(r"```sh\n(.*?)```", re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def command_lines() -> list[str]:
    """Each line of the sh blocks (without its comment), and each inline code span that runs a
    program: a program of .venv/bin/, make with a target, or a program of the venv by its bare name
    (`make` or `.venv/` alone names a tool or a folder, not a command)."""
    lines = []
    for block in FENCED.findall(README):
        for line in block.splitlines():
            line = re.split(r"\s+#\s", line, maxsplit=1)[0].strip()
            if line:
                lines.append(line)
    for span in INLINE.findall(README):
        first = span.split()[0]
        if first.startswith(".venv/bin/") or first in VENV_PROGRAMS or (first == "make" and " " in span):
            lines.append(span)
    return lines


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE))


def test_the_readme_names_only_programs_a_fresh_shell_runs():
    lines = command_lines()
    assert sum(line.startswith(".venv/bin/flask --app formsvc") for line in lines) >= 15
    targets = makefile_targets()
    for line in lines:
        words = shlex.split(line)
        program = words[0]
        assert program not in VENV_PROGRAMS, (
            f"README: «{line}» runs {program}, which a fresh shell does not find: write .venv/bin/{program}")
        if program == "make":
            named = [word for word in words[1:] if "=" not in word and not word.startswith("-")]
            assert named and set(named) <= targets, f"README: «{line}»: no such make target"
        else:
            path = ROOT / program
            assert path.is_file() and os.access(path, os.X_OK), f"README: «{line}»: {program} is not there"


def _command_of(group: click.Group, words: list[str]) -> tuple[list[str], click.Command]:
    """The command the words after `--app formsvc` name, and the words that name it."""
    path: list[str] = []
    command: click.Command = group
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path, command


def test_every_flask_command_of_the_readme_is_a_command_of_the_service_and_explains_itself(app):
    runner = app.test_cli_runner()
    seen = set()
    for line in command_lines():
        words = shlex.split(line)
        if words[0] != ".venv/bin/flask":
            continue
        assert words[1:3] == ["--app", "formsvc"], f"README: «{line}» does not name the app"
        path, command = _command_of(app.cli, words[3:])
        assert path and not isinstance(command, click.Group), f"README: «{line}»: no such command"
        if tuple(path) in seen:
            continue
        seen.add(tuple(path))
        # the options the line gives are the command's own
        known = {opt for param in command.params for opt in getattr(param, "opts", ())}
        for word in words[3 + len(path):]:
            assert not word.startswith("-") or word in known, f"README: «{line}»: no option {word}"
        shown = runner.invoke(args=[*path, "--help"])
        assert shown.exit_code == 0 and re.search(r"[\u4e00-\u9fff]", shown.output), shown.output


def test_the_flask_of_the_readme_runs_from_a_fresh_shell(tmp_path):
    """The venv's own flask, with no activated venv and a plain PATH, finds the app."""
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
                   "FORMSVC_INSTANCE_PATH": str(tmp_path / "instance")}
    shown = subprocess.run([".venv/bin/flask", "--app", "formsvc", "jobs", "--help"], cwd=ROOT,
                           env=environment, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "批量签发作业" in shown.stdout and "resume" in shown.stdout
