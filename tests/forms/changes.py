"""Changes to a form's sample data, for the rows of validation tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def setting(path: str, value: Any) -> Callable[[dict], None]:
    """Set the value at a dotted path of the data: posts.total, reviews.1.passed."""
    def change(data: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = data
        for part in parents:
            target = target[part]
        target[last] = value
    return change
