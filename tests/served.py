"""The service as a new user starts it: `make run PORT=N`, on a throwaway instance folder and
database, stopped with its whole process group (gunicorn, its workers, their job pools)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .helpers import ROOT
from .services import free_port, wait_for_port

FLASK = str(Path(sys.executable).with_name("flask"))
#: what each serving process logs once its job pool is ready (formsvc/jobs/runners.py)
POOL_READY = "作业进程池已就绪"


@dataclass(frozen=True)
class Served:
    port: int
    environment: dict[str, str]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`.venv/bin/flask --app formsvc ARGS` against the served instance."""
        return subprocess.run([FLASK, "--app", "formsvc", *args], cwd=ROOT, env=self.environment,
                              capture_output=True, text=True, check=True, timeout=120)

    def wait_for_log(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert time.monotonic() < deadline, f"no «{text}» after {timeout}s:\n{self.log()[-3000:]}"
            time.sleep(0.1)

    def request(self, path: str, *, token: str | None = None, data: bytes | None = None,
                content_type: str | None = None) -> Any:
        """The JSON answer (or the bytes) of path; urllib's HTTPError for an error status."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method="POST" if data is not None else "GET")
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            return json.loads(body) if response.headers.get_content_type() == "application/json" else body

    def poll(self, path: str, ready: Callable[[Any], bool], *, token: str | None = None,
             timeout: float = 240, interval: float = 0.05) -> Any:
        """The first answer of path that is ready, asked every interval seconds, within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.request(path, token=token)
            if ready(answer):
                return answer
            assert time.monotonic() < deadline, f"{path} not ready after {timeout}s: {answer}"
            time.sleep(interval)

    def upload(self, path: str, files: dict[str, tuple[str, bytes]], *, token: str | None = None) -> Any:
        """A multipart/form-data POST of files (field: (file name, content)), as a browser sends it."""
        boundary = uuid.uuid4().hex
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
            for field, (name, content) in files.items()
        ) + f"--{boundary}--\r\n".encode()
        return self.request(path, token=token, data=body,
                            content_type=f"multipart/form-data; boundary={boundary}")


def served_environment(tmp_path: Path, font_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its FORMSVC_ settings, on an instance under tmp_path."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FORMSVC_")}
    environment.update({
        "FORMSVC_INSTANCE_PATH": str(tmp_path / "served"),
        "FORMSVC_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
        "FORMSVC_FONT_DIR": str(font_dir),
        "FORMSVC_SECRET_KEY": "served",
    })
    environment.update({f"FORMSVC_{key}": value for key, value in settings.items()})
    return environment


def make_run_command(port: int) -> list[str]:
    return ["make", "--no-print-directory", "run", f"PORT={port}", "WORKERS=1"]


@contextmanager
def make_run(tmp_path: Path, font_dir: Path, command: Callable[[int], list[str]] = make_run_command,
             **settings: str) -> Iterator[Served]:
    """`make run PORT=N WORKERS=1`, exactly as a new user types it (or another command serving on
    the port), with FORMSVC_ settings; yields once the port is open."""
    served = Served(free_port(), served_environment(tmp_path, font_dir, **settings),
                    tmp_path / "make-run.log")
    with served.log_path.open("w") as log:
        process = subprocess.Popen(command(served.port), cwd=ROOT, env=served.environment, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(served.port, timeout=120, process=process, log=served.log_path)
        yield served
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
