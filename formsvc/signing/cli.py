"""Flask commands: signing init (a trial CA and signing certificate), signing revoke (in the trial
CA's CRL), signing show."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import keys

signing_cli = AppGroup("signing", help="证书签名密钥")


@signing_cli.command("init")
@click.argument("name")
def init_command(name: str) -> None:
    """在实例目录中为 NAME 生成试用签名证书（标明“测试/样章”），没有试用根证书时一并生成。

    用此前试用密钥签名的证书仍然有效（根证书相同）。
    """
    instance = Path(current_app.instance_path)
    path = keys.create_trial(instance, name, replace=True)
    passphrase = (path.parent / keys.TRIAL_PASSPHRASE).read_bytes().strip()
    key = keys.load_key(path, passphrase, trust_anchor_files=keys.trial_anchor_files(instance), trial=True)
    click.echo(f"试用签名密钥：{path}（文件权限 0600，口令在 {path.parent / keys.TRIAL_PASSPHRASE}）")
    click.echo(f"签名证书：{key.subject}")
    click.echo(f"信任的根证书（查验用，可分发）：{path.parent / keys.TRIAL_CA}")
    if current_app.config.get("SIGNING_KEY"):
        click.echo("注意：已配置 FORMSVC_SIGNING_KEY，服务使用该密钥而不是试用密钥", err=True)


@signing_cli.command("revoke")
@click.argument("serial")
def revoke_command(serial: str) -> None:
    """在试用根证书的吊销列表中吊销序列号为 SERIAL（十六进制）的证书。

    查验时，由它签名的证书显示“签名证书已被吊销”；它不再签名任何证书。
    """
    from .revocation import revoke_trial

    try:
        number = int(serial.replace(":", ""), 16)
    except ValueError:
        raise click.BadParameter("序列号应为十六进制数字", param_hint="SERIAL") from None
    if not (Path(current_app.instance_path) / keys.TRIAL_DIR / keys.TRIAL_CA_KEY).exists():
        raise click.ClickException("实例目录中没有试用根证书：真实 CA 签发的证书请由该 CA 吊销")
    revoke_trial(current_app.instance_path, number)
    click.echo(f"已吊销序列号 {number:x}；新的吊销列表：{Path(current_app.instance_path) / keys.TRIAL_DIR}")


@signing_cli.command("show")
def show_command() -> None:
    """显示签名所用的密钥，以及查验时信任的根证书。"""
    from . import signing_key

    click.echo(signing_key().summary())


def init_app(app: Flask) -> None:
    app.cli.add_command(signing_cli)
