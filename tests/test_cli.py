"""The flask commands: init-db and render."""

from __future__ import annotations

import json

from .helpers import flat, override_template, pdf_text, sample


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
