"""Temporary files (WeasyPrint's font folders and the like) under the instance folder, one folder
per process, and the folders of processes that died cleaned up at start."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

SCRATCH_DIR = "tmp"
#: the system's temporary folder, before use() moves this process's under the instance
SYSTEM_TMPDIR = tempfile.gettempdir()
#: the longest folder a Unix socket can be made in (sun_path holds 107 bytes) with the names
#: multiprocessing gives its folder and sockets ("/pymp-xxxxxxxx/listener-xxxxxxxx")
SOCKET_FOLDER_ROOM = 107 - 32


def alive(pid: int) -> bool:
    """Whether a process pid runs (under this user or another)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_dead(root: Path) -> list[Path]:
    """Remove the folders of processes that are gone (killed ones never cleaned up after them)."""
    removed = []
    for folder in root.glob("*"):
        if folder.is_dir() and folder.name.isdigit() and int(folder.name) != os.getpid() \
                and not alive(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


#: the scratch root of this process's app, followed into forked children (gunicorn workers)
_root: list[Path] = []


def use(root: Path) -> Path:
    """Make root/<pid> this process's temporary folder, for Python's tempfile and for the
    libraries that read TMPDIR alike."""
    own = root / str(os.getpid())
    own.mkdir(mode=0o700, parents=True, exist_ok=True)
    tempfile.tempdir = str(own)
    os.environ["TMPDIR"] = str(own)
    return own


@contextlib.contextmanager
def socket_sized() -> Iterator[None]:
    """Python's temporary folder, while multiprocessing makes its own for sockets (the job
    pool's fork server listens there): the system's when this process's, under a deep instance
    folder, is too long for a socket's path."""
    saved = tempfile.tempdir
    if len(os.fsencode(tempfile.gettempdir())) > SOCKET_FOLDER_ROOM:
        tempfile.tempdir = SYSTEM_TMPDIR
    try:
        yield
    finally:
        tempfile.tempdir = saved


def _after_fork() -> None:
    if _root:
        use(_root[0])


os.register_at_fork(after_in_child=_after_fork)


def init_app(app: Flask) -> None:
    # the temporary folder is the process's: a test process builds many apps, each in a folder
    # of its own that its tests remove, so tests ask for it (PROCESS_TMPDIR) where they check it
    if not app.config.get("PROCESS_TMPDIR", not app.testing):
        return
    root = Path(app.instance_path) / SCRATCH_DIR
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    # a 20 MB weasyprint-* folder left by a killed process goes at the next start
    clean_dead(root)
    _root[:] = [root]
    use(root)
