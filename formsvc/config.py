"""Settings, read from FORMSVC_* environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: environment variable → config key, and how to parse it
ENVIRONMENT: dict[str, tuple[str, type]] = {
    "FORMSVC_DATABASE_URL": ("DATABASE_URL", str),
    "FORMSVC_PUBLIC_URL": ("PUBLIC_URL", str),
    "FORMSVC_SECRET_KEY": ("SECRET_KEY", str),
    "FORMSVC_CELERY_BROKER_URL": ("CELERY_BROKER_URL", str),
    "FORMSVC_VERIFY_RATE_LIMIT": ("VERIFY_RATE_LIMIT", str),
    "FORMSVC_LOGIN_RATE_LIMIT": ("LOGIN_RATE_LIMIT", str),
    "FORMSVC_RATE_LIMIT_STORAGE": ("RATE_LIMIT_STORAGE", str),
    "FORMSVC_LOOKUP_FAILURE_LIMIT": ("LOOKUP_FAILURE_LIMIT", str),
    "FORMSVC_LOOKUP_ANOMALY_LIMIT": ("LOOKUP_ANOMALY_LIMIT", str),
    "FORMSVC_PROXY_COUNT": ("PROXY_COUNT", int),
    "FORMSVC_OUTPUT_DIR": ("OUTPUT_DIR", str),
    "FORMSVC_FONT_DIR": ("FONT_DIR", str),
    "FORMSVC_CERTIFICATE_PREFIX": ("CERTIFICATE_PREFIX", str),
    "FORMSVC_ISSUING_BODY": ("ISSUING_BODY", str),
    "FORMSVC_SEAL_IMAGE": ("SEAL_IMAGE", str),
    "FORMSVC_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "FORMSVC_JOB_WORKERS": ("JOB_WORKERS", int),
    "FORMSVC_JOB_CHUNK_SIZE": ("JOB_CHUNK_SIZE", int),
    "FORMSVC_JOB_FIRST_CHUNK_SIZE": ("JOB_FIRST_CHUNK_SIZE", int),
    "FORMSVC_DOCUMENT_CHECK_SECONDS": ("DOCUMENT_CHECK_SECONDS", float),
    "FORMSVC_JOB_LEASE_SECONDS": ("JOB_LEASE_SECONDS", int),
    "FORMSVC_JOB_MIN_FREE_MB": ("JOB_MIN_FREE_MB", int),
    "FORMSVC_JOB_RETENTION_DAYS": ("JOB_RETENTION_DAYS", int),
    "FORMSVC_CELERY_QUEUE": ("CELERY_QUEUE", str),
    "FORMSVC_SIGNING_KEY": ("SIGNING_KEY", str),
    "FORMSVC_SIGNING_PASSPHRASE": ("SIGNING_PASSPHRASE", str),
    "FORMSVC_SIGNING_PASSPHRASE_FILE": ("SIGNING_PASSPHRASE_FILE", str),
    "FORMSVC_TRUST_ANCHORS": ("TRUST_ANCHORS", str),
    "FORMSVC_SIGNING_CRLS": ("SIGNING_CRLS", str),
    "FORMSVC_TSA_URL": ("TSA_URL", str),
    "FORMSVC_HEAVY_PER_CLIENT": ("HEAVY_PER_CLIENT", int),
    "FORMSVC_HEAVY_TOTAL": ("HEAVY_TOTAL", int),
    "FORMSVC_TIME_ZONE": ("TIME_ZONE", str),
}


def instance_path_from_environment() -> str | None:
    """The instance folder named by FORMSVC_INSTANCE_PATH, made absolute."""
    path = os.environ.get("FORMSVC_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings that hold when neither the environment nor a test overrides them."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'formsvc.sqlite3'}",
        "PUBLIC_URL": "http://127.0.0.1:8000",
        "SECRET_KEY": None,
        "CELERY_BROKER_URL": None,
        "VERIFY_RATE_LIMIT": "60/minute",
        # office logins per client address: enough for typing mistakes, too few for guessing
        "LOGIN_RATE_LIMIT": "10/10minutes",
        # wrong names in look-ups by 证书编号 + 姓名: per certificate (from any address), and in
        # all (a guesser spread over many addresses still adds up)
        "LOOKUP_FAILURE_LIMIT": "10/day",
        "LOOKUP_ANOMALY_LIMIT": "1000/hour",
        # where the counts live, shared by every worker: "database" or a redis:// URL
        "RATE_LIMIT_STORAGE": "database",
        # reverse proxies in front of the service whose X-Forwarded-For is trusted (0: none), so
        # that rate limits count clients, not the proxy
        "PROXY_COUNT": 0,
        "OUTPUT_DIR": str(Path(instance_path) / "jobs"),
        "FONT_DIR": str(Path(instance_path) / "fonts"),
        "CERTIFICATE_PREFIX": "HB",
        "ISSUING_BODY": "湖北省职称改革工作领导小组办公室",
        "SEAL_IMAGE": None,
        # 16 MB: a summary sheet with a ZIP of 2-inch photos fits; anything larger is refused
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "JOB_WORKERS": os.cpu_count() or 1,
        # certificates per chunk: one transaction and one WeasyPrint document each
        "JOB_CHUNK_SIZE": 50,
        # the first chunk of a job is small, so that its progress moves within a second or two
        # of its start; the others are large, since a chunk's shared layout is made once
        "JOB_FIRST_CHUNK_SIZE": 5,
        # wall-clock seconds one verification by upload may take (a child process under CPU
        # and memory limits); a hostile PDF is refused when they run out
        "DOCUMENT_CHECK_SECONDS": 15.0,
        # whether this process may start a pool of job workers: a pool worker itself may not
        # (workers starting pools of their own would multiply without end)
        "JOB_POOL": True,
        # a crashed process's jobs are taken over this long after its last sign of life
        "JOB_LEASE_SECONDS": 60,
        # free space a job leaves on the output folder's disk: checked before a job, each chunk
        # and the join (which also needs room for the joined files)
        "JOB_MIN_FREE_MB": 200,
        # a finished job's outputs are removed after this many days (its inputs, with identity
        # numbers and photos, as soon as it is done)
        "JOB_RETENTION_DAYS": 30,
        "CELERY_QUEUE": "formsvc",
        # PKCS#12 file of the issuing body's signing key; none: the instance's trial key
        # (instance/signing/, marked 测试/样章), made at first start
        "SIGNING_KEY": None,
        "SIGNING_PASSPHRASE": None,
        "SIGNING_PASSPHRASE_FILE": None,
        # extra CA certificates (PEM/DER files, separated by os.pathsep) verification trusts
        "TRUST_ANCHORS": None,
        # CRLs (PEM/DER files, os.pathsep between them) of the signing key's chain, embedded in
        # each certificate PDF for PAdES B-LT; the trial key's CA issues its own
        "SIGNING_CRLS": None,
        # RFC 3161 timestamp authority: signatures become PAdES B-T
        "TSA_URL": None,
        # renders and imports at once (web/slots.py): per client address, and in all; as many
        # as there are cores, since more would only make each of them slower
        "HEAVY_PER_CLIENT": 2,
        "HEAVY_TOTAL": max(2, os.cpu_count() or 1),
        # the zone every time is shown in, on the pages and in the command line (stored: UTC)
        "TIME_ZONE": "Asia/Shanghai",
    }


def public_address_warning(public_url: str) -> str | None:
    """Why QR codes made with this public address would not open on anyone else's phone, or None.

    Loopback, private-range, link-local and unspecified addresses (and localhost) only reach
    this machine or its own network: a print run issued under one cannot be verified.
    """
    host = (urlsplit(public_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        local = True
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            local = not host  # a domain name: whether it is public cannot be told from here
        else:
            local = (address.is_loopback or address.is_private or address.is_link_local
                     or address.is_unspecified or address.is_reserved)
    if not local:
        return None
    return (f"证书二维码中的查验地址 {public_url} 是本机或内网地址，其他设备扫码无法打开："
            f"签发前请将 FORMSVC_PUBLIC_URL 设为公众可访问的地址")


def from_environment() -> dict[str, Any]:
    """The settings given by FORMSVC_* variables."""
    settings: dict[str, Any] = {}
    for variable, (key, kind) in ENVIRONMENT.items():
        raw = os.environ.get(variable)
        if raw not in (None, ""):
            settings[key] = kind(raw)
    return settings


def file_list(setting: str | Sequence[str] | None) -> list[str]:
    """The files a setting names: a list, or one string with os.pathsep between them (as the
    environment gives FORMSVC_TRUST_ANCHORS and FORMSVC_SIGNING_CRLS)."""
    if not setting:
        return []
    if isinstance(setting, str):
        return [p for p in setting.split(os.pathsep) if p.strip()]
    return list(setting)


def write_private(path: Path, content: bytes) -> None:
    """A new file of mode 0600 holding content, unless path exists: written under a private name
    and linked into place, so that concurrently starting gunicorn workers all end up with the
    first one written, whole."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()


def secret_key(instance_path: str) -> str:
    """A stable secret for this instance when none is configured: kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()
