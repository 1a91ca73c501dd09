"""Run every benchmarks/bench_*.py (or those named) and print figures, targets and ratios.

Usage: python benchmarks/run.py [NAME ...]   e.g. `forms` runs bench_forms.py
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import Report  # noqa: E402


def main() -> int:
    wanted = set(sys.argv[1:])
    report = Report()
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        importlib.import_module(path.stem).bench(report)
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    missed = report.missed()
    print(f"\n{len(report.figures)} figures, {len(missed)} missed targets")
    for figure in missed:
        print(f"  MISSED {figure.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
