"""The flask commands: init-db and render; every command's help in Chinese; TIME_ZONE."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator

import click
import pytest

from formsvc.errors import SetupError

from .helpers import docx_text, flat, make_app, override_template, pdf_text, sample


def test_init_db_creates_the_registry(runner, app):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "数据库已就绪" in result.output


def test_render_writes_the_file(runner, tmp_path):
    data = tmp_path / "pledge.json"
    data.write_text(json.dumps(sample("pledge"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = runner.invoke(args=["render", "pledge", str(data), "-f", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pdf_text(out.read_bytes())) == 3


def test_render_with_bad_data_explains_and_writes_nothing(runner, tmp_path):
    payload = sample("pledge")
    payload["applicants"][0]["series"] = ""
    data = tmp_path / "bad.json"
    data.write_text(json.dumps(payload), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = runner.invoke(args=["render", "pledge", str(data), "-o", str(out)])
    assert result.exit_code != 0
    assert "applicants.0.series: 职称系列不能为空" in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "instance"]


def test_render_uses_the_instance_template(runner, app, tmp_path):
    override_template(app, "pledge", "本地承诺书样式")
    data = tmp_path / "pledge.json"
    data.write_text(json.dumps(sample("pledge"), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = runner.invoke(args=["render", "pledge", str(data), "-f", "pdf", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages = [flat(page) for page in pdf_text(out.read_bytes())]
    assert len(pages) == 3 and all(page.startswith("本地承诺书样式") for page in pages)


def test_several_applicants_as_word_files_are_a_zip_never_under_a_docx_name(runner, tmp_path):
    data = tmp_path / "pledge.json"
    payload = sample("pledge")
    data.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    names = [applicant["name"] for applicant in payload["applicants"]]
    assert len(names) > 1

    refused = runner.invoke(args=["render", "pledge", str(data), "-f", "docx", "-o",
                                  str(tmp_path / "x.docx")])
    assert refused.exit_code != 0
    assert "-o/--output x.docx：生成的是多份文件打包的 ZIP" in refused.output
    assert "例如 x.zip" in refused.output and "未写入任何文件" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance", "pledge.json"]  # nothing written

    written = runner.invoke(args=["render", "pledge", str(data), "-f", "docx", "-o",
                                  str(tmp_path / "x.zip")])
    assert written.exit_code == 0, written.output
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        files = archive.namelist()
        assert len(files) == len(names) and all(name.endswith(".docx") for name in files)
        texts = [docx_text(archive.read(name)) for name in files]  # each one opens as Word
    for name, text in zip(names, texts, strict=True):
        assert name in text


def test_one_applicant_as_word_is_a_docx_and_a_pdf_is_not_written_under_a_docx_name(runner, tmp_path):
    payload = sample("pledge")
    payload["applicants"] = payload["applicants"][:1]
    data = tmp_path / "pledge.json"
    data.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    written = runner.invoke(args=["render", "pledge", str(data), "-f", "docx", "-o",
                                  str(tmp_path / "x.docx")])
    assert written.exit_code == 0, written.output
    assert payload["applicants"][0]["name"] in docx_text((tmp_path / "x.docx").read_bytes())
    refused = runner.invoke(args=["render", "pledge", str(data), "-o", str(tmp_path / "y.docx")])
    assert refused.exit_code != 0
    assert "生成的是 PDF 文件，文件名应以 .pdf 结尾（例如 y.pdf）" in refused.output
    assert not (tmp_path / "y.docx").exists()


def _commands(group: click.Group,
              path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: an English phrase: two words of letters in a row (names such as SHEET, FORMSVC_TIME_ZONE, --admin
#: or .zip stand alone)
ENGLISH = re.compile(r"\b[A-Za-z]{2,}\s+[a-z]{2,}\b")


def test_every_command_and_option_of_the_service_is_explained_in_chinese(app):
    commands = dict(_commands(app.cli))
    assert {("issue",), ("jobs", "list"), ("render",), ("user", "create"), ("token", "revoke"),
            ("audit", "verify"), ("signing", "show"), ("init-db",)} <= set(commands)
    for path, command in commands.items():
        texts = {"help": command.help or ""}
        texts.update({f"{'/'.join(p.opts)}": p.help or "" for p in command.params
                      if isinstance(p, click.Option)})
        for what, text in texts.items():
            assert CHINESE.search(text), f"{' '.join(path)} {what}: no Chinese help: {text!r}"
            assert not ENGLISH.search(text), f"{' '.join(path)} {what}: English in the help: {text!r}"


def test_a_time_zone_that_names_no_zone_stops_the_start_saying_so(tmp_path, font_dir, monkeypatch):
    with pytest.raises(SetupError, match="FORMSVC_TIME_ZONE「Asia/Beijing」不是时区名称"):
        make_app(tmp_path, font_dir, monkeypatch, TIME_ZONE="Asia/Beijing")
