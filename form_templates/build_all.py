"""Regenerate every form.docx / form.xlsx from the build.py beside it.

Usage: python form_templates/build_all.py [FORM_ID ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_build"))


def builders() -> dict[str, Path]:
    return {p.parent.name: p for p in sorted(HERE.glob("*/build.py")) if not p.parent.name.startswith("_")}


def run(form_id: str, out_dir: Path) -> list[Path]:
    spec = importlib.util.spec_from_file_location(f"build_{form_id.replace('-', '_')}", builders()[form_id])
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out_dir.mkdir(parents=True, exist_ok=True)
    return module.build(out_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("forms", nargs="*")
    parser.add_argument("--out", type=Path, help="write into DIR/<id>/ instead of beside the builders")
    args = parser.parse_args()
    for form_id in args.forms or builders():
        target = (args.out / form_id) if args.out else HERE / form_id
        for path in run(form_id, target):
            print(path)


if __name__ == "__main__":
    main()
