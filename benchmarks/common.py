"""Measuring for `make bench`: warm medians, figures against their targets, same-run ratios."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None

    def line(self) -> str:
        verdict = {True: "ok", False: "MISSED", None: ""}[self.met]
        target = f"  target {self.target}" if self.target else ""
        return f"{self.name:<58} {self.value:>10.2f} {self.unit:<8}{target}  {verdict}".rstrip()


@dataclass
class Report:
    """Prints each figure as it is measured and keeps them for the summary."""

    figures: list[Figure] = field(default_factory=list)

    def figure(self, name: str, value: float, unit: str, *, at_most: float | None = None,
               at_least: float | None = None) -> Figure:
        met: bool | None = None
        target = ""
        if at_most is not None:
            met, target = value <= at_most, f"<= {at_most:g} {unit}"
        elif at_least is not None:
            met, target = value >= at_least, f">= {at_least:g} {unit}"
        figure = Figure(name, value, unit, target, met)
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def note(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.met is False]


#: timed runs of median_ms, and the untimed runs before them
RUNS, WARMUP = 20, 3


def median_ms(action: Callable[[], Any], *, runs: int = RUNS, warmup: int = WARMUP) -> float:
    """Median wall time of action in milliseconds, after warm-up runs."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_app(**config: Any) -> Any:
    """An app on a throwaway instance folder, as production would run it (not TESTING)."""
    from formsvc import create_app, db

    instance = Path(tempfile.mkdtemp(prefix="formsvc-bench-"))
    os.environ["FORMSVC_INSTANCE_PATH"] = str(instance)
    # PROCESS_TMPDIR off: the benchmarks build several apps in one process, on folders they remove
    settings = {"VERIFY_RATE_LIMIT": "off", "SECRET_KEY": "bench", "JOB_RESUME": False,
                "PROCESS_TMPDIR": False}
    settings.update(config)
    app = create_app(settings)
    db.upgrade(app)
    return app
