"""Flask commands: init-db, render."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .documents import RenderSettings
from .errors import FormsvcError
from .forms import FORMS, get_form
from .produce import produce


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """创建或升级证书登记库的数据表（FORMSVC_DATABASE_URL）。"""
    from . import db

    db.upgrade(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"数据库已就绪：{_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


#: what a rendered file is, by its extension, in the words of the message that names it
KINDS: dict[str, str] = {
    "pdf": " PDF 文件", "docx": " Word 文件", "xlsx": " Excel 工作簿",
    "zip": "多份文件打包的 ZIP（每名申报人一份）",
}


@click.command("render")
@click.argument("form_id", type=click.Choice(sorted(FORMS)))
@click.argument("data", type=click.File("rb"))
@click.option("-f", "--format", "extension", default="pdf", show_default=True,
              help="pdf、docx 或 xlsx（各表可用的格式见 README）")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="输出文件，扩展名须与生成的文件相符（默认按表名命名；多份 Word 文件打包为 .zip）")
@with_appcontext
def render_command(form_id: str, data: click.utils.LazyFile, extension: str,
                   output: str | None) -> None:
    """用 JSON 文件 DATA（- 表示标准输入）中的数据生成表格 FORM_ID。"""
    spec = get_form(form_id)
    try:
        payload = json.loads(data.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"数据文件不是有效的 JSON：{error}") from None
    try:
        produced = produce(spec, payload, extension.lower(), RenderSettings.of(current_app))
    except FormsvcError as error:
        for problem in error.problems:
            where = ".".join(str(p) for p in problem.loc) or "-"
            click.echo(f"{where}: {problem.msg}", err=True)
        raise click.ClickException(f"{spec.title}未生成：{len(error.problems)} 处错误") from None
    for warning in produced.warnings:
        click.echo(f"提示 {'.'.join(map(str, warning.loc))}: {warning.msg}", err=True)
    extension = produced.rendered.extension
    target = Path(output or f"{produced.name}.{extension}")
    if target.suffix.lower() != f".{extension}":
        # several applicants' Word files come as one ZIP: under a .docx name Word could not open it
        raise click.ClickException(
            f"-o/--output {target.name}：生成的是{KINDS[extension]}，文件名应以 .{extension} 结尾"
            f"（例如 {target.with_suffix('.' + extension).name}）；未写入任何文件")
    staging = target.with_name(f".{target.name}.partial")
    staging.write_bytes(produced.rendered.content)
    staging.replace(target)  # never leave a half-written file under the requested name
    click.echo(str(target))


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(render_command)


