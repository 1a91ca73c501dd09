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
    """Create or upgrade the registry's tables."""
    from . import db

    db.upgrade(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"数据库已就绪：{_safe_url(current_app.config['DATABASE_URL'])}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command("render")
@click.argument("form_id", type=click.Choice(sorted(FORMS)))
@click.argument("data", type=click.File("rb"))
@click.option("-f", "--format", "extension", default="pdf", show_default=True,
              help="pdf、docx 或 xlsx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="输出文件（默认按表名命名）")
@with_appcontext
def render_command(form_id: str, data: click.utils.LazyFile, extension: str,
                   output: str | None) -> None:
    """Render FORM_ID from the JSON file DATA ('-' for standard input)."""
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
    target = Path(output or f"{produced.name}.{produced.rendered.extension}")
    staging = target.with_name(f".{target.name}.partial")
    staging.write_bytes(produced.rendered.content)
    staging.replace(target)  # never leave a half-written file under the requested name
    click.echo(str(target))


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(render_command)


