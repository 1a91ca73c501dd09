"""Flask commands for bulk jobs: issue a sheet with a progress bar, list and resume jobs."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .. import clock, db
from ..config import public_address_warning
from ..errors import FormsvcError
from . import work
from .runners import LocalRunner, resume, runner_for, submit


@click.command("issue")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False))
@click.option("--photos", type=click.Path(exists=True, dir_okay=False),
              help="照片 ZIP（每张照片以证件号码命名）")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="打印用 PDF（默认与 SHEET 同名的 .pdf）")
@click.option("--zip", "zip_output", type=click.Path(dir_okay=False), help="另存单张证书 PDF 的 ZIP")
@click.option("--actor", default="cli", show_default=True, help="审计日志中记录的签发人")
@click.option("--yes", is_flag=True, help="查验地址是本机或内网地址时也不再询问，直接签发")
@with_appcontext
def issue_command(sheet: str, photos: str | None, output: str | None, zip_output: str | None,
                  actor: str, yes: bool) -> None:
    """签发并排版湖北省职称历史数据采集表 SHEET 中的每一张证书，显示进度。

    整张表先校验，有任何错误都不签发；表中已签发过的证书不会重复签发。
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    warning = public_address_warning(app.config["PUBLIC_URL"])
    if warning:
        click.echo(f"警告：{warning}", err=True)
        # a whole print run with unscannable QR codes is worth one question
        if not yes and not click.confirm("仍要按此地址签发吗？", default=False, err=True):
            raise click.ClickException("未签发任何证书：请设置 FORMSVC_PUBLIC_URL，或加 --yes 确认")
    runner = runner_for(app)
    if isinstance(runner, LocalRunner):
        runner.warm()  # the pool gets ready while the sheet is checked
    try:
        job_id, warnings = submit(
            app, Path(sheet).read_bytes(), source_name=Path(sheet).name,
            photos=Path(photos).read_bytes() if photos else None, actor=actor, issuer_id=None,
            start=False,
        )
    except FormsvcError as error:
        for problem in error.problems:
            click.echo(f"{'.'.join(map(str, problem.loc)) or '-'}: {problem.msg}", err=True)
        raise click.ClickException(f"未签发任何证书：{len(error.problems)} 处错误") from None
    for warning in warnings:
        click.echo(f"提示：{warning.msg}", err=True)
    state = _run_with_progress(app, job_id)
    if state.state != work.DONE:
        raise click.ClickException(f"作业 {job_id} {state.summary()}")
    target = Path(output or Path(sheet).with_suffix(".pdf"))
    _copy(work.output(app, job_id, work.PRINT_PDF), target)
    click.echo(f"共 {state.total} 张证书，{state.new_and_existing()}：{target}")
    if zip_output:
        _copy(work.output(app, job_id, work.SINGLES_ZIP), Path(zip_output))
        click.echo(f"单张证书：{zip_output}")


def _run_with_progress(app: Flask, job_id: str) -> work.JobStatus:
    """Run (or follow) the job to its end with a bar that counts certificates printed."""
    runner = runner_for(app)
    # the bar's length is the job's certificates from the start, not its chunks
    with click.progressbar(length=_status(app, job_id).total, label="签发并排版", show_percent=True,
                           show_pos=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        if isinstance(runner, LocalRunner):
            runner.drive(job_id, progress)
        else:
            runner.start(job_id)
            while True:
                current = _status(app, job_id)
                progress(current.done, current.total)
                if current.finished:
                    break
                time.sleep(1)
        final = _status(app, job_id)
        progress(final.done, final.total)
    return final


def _status(app: Flask, job_id: str) -> work.JobStatus:
    with db.own_session(app) as session:
        current = work.status(session, job_id)
    assert current is not None
    return current


def _copy(source: Path | None, target: Path) -> None:
    assert source is not None
    staging = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, staging)
    staging.replace(target)


@click.group("jobs")
def jobs_command() -> None:
    """批量签发作业：查看、继续。"""


@jobs_command.command("list")
@with_appcontext
def list_command() -> None:
    """最近 50 个作业及其进度（时间按 FORMSVC_TIME_ZONE 显示）。"""
    from sqlalchemy import select

    from .models import Job

    with db.own_session(current_app._get_current_object()) as session:
        for job in session.scalars(select(Job).order_by(Job.created_at.desc()).limit(50)):
            current = work.status(session, job.id)
            assert current is not None
            click.echo(f"{job.id}  {clock.shown(job.created_at)}  {job.source_name}  {current.summary()}")


@jobs_command.command("resume")
@click.option("--wait/--no-wait", default=True, show_default=True, help="等待作业完成")
@with_appcontext
def resume_command(wait: bool) -> None:
    """继续没有进程在处理的未完成作业（例如服务崩溃后）和失败的作业（例如清理磁盘后）。

    已签发的证书不会重复签发。
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = runner_for(app)
    if isinstance(runner, LocalRunner) and wait:
        with db.own_session(app) as session:
            for job_id in work.failed(session):
                work.reopen(session, job_id)
            job_ids = work.orphaned(session)
        for job_id in job_ids:
            click.echo(f"继续作业 {job_id}")
            final = _run_with_progress(app, job_id)
            click.echo(final.summary())
        return
    for job_id in resume(app, failed=True):
        click.echo(f"继续作业 {job_id}")


def init_app(app: Flask) -> None:
    app.cli.add_command(issue_command)
    app.cli.add_command(jobs_command)
