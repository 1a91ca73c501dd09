"""What the tabular forms share: columns named by the row model's labels, cells as printed, row rules."""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic.fields import FieldInfo

from .base import FindingsBuilder, FormModel, FormSpec, LocatedRow

#: what a column holds, which decides how a spreadsheet cell is read into it
Kind = Literal["text", "date", "integer"]


@dataclass(frozen=True)
class Column:
    """One column of a tabular form: a field of its row model, headed by the field's official label."""

    name: str
    header: str
    required: bool
    kind: Kind
    #: the values a dropdown offers, when the field is one of a fixed list
    choices: tuple[str, ...] = ()

    @property
    def marked_header(self) -> str:
        """The header as a template marks a required column (填表说明：带*号标记列为必填项)."""
        return f"*{self.header}" if self.required else self.header


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]


def _kind(info: FieldInfo) -> Kind:
    members = _members(info.annotation)
    if dt.date in members:
        return "date"
    if int in members:
        return "integer"
    return "text"


def _choices(info: FieldInfo) -> tuple[str, ...]:
    for member in _members(info.annotation):
        if typing.get_origin(member) is Literal:
            return tuple(str(v) for v in typing.get_args(member))
    return ()


@functools.cache
def columns(row_model: type[FormModel]) -> tuple[Column, ...]:
    """The columns of a row model, in the order of its fields (the official column order)."""
    return tuple(
        Column(name, info.title or name, info.is_required(), _kind(info), _choices(info))
        for name, info in row_model.model_fields.items()
    )


def max_rows(spec: FormSpec) -> int | None:
    """How many rows the form's list may hold (its max_length), None when unbounded."""
    assert spec.rows_field is not None
    info = spec.model.model_fields[spec.rows_field]
    # pydantic keeps Field(max_length=…) as an annotated_types.MaxLen in the field's metadata
    return next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)


def cell_text(value: Any) -> str:
    """A value as a listing prints it: dates as 2019-10-01 (填表说明5), nothing for a blank."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def row_cells(row: FormModel) -> list[str]:
    """The printed cells of one row, in column order."""
    return [cell_text(getattr(row, column.name)) for column in columns(type(row))]


def warn_duplicates(found: FindingsBuilder, rows: Sequence[LocatedRow],
                    key: Callable[[Any], Hashable], what: str) -> None:
    """A warning on each row that repeats an earlier one; what says which fields agree."""
    first: dict[Hashable, LocatedRow] = {}
    for located in rows:
        value = key(located.row)
        if isinstance(value, tuple) and None in value:
            continue  # a key field is itself wrong (a partly checked row): nothing to compare
        seen = first.setdefault(value, located)
        if seen is not located:
            found.warn(located.loc, f"与{seen.label}重复（{what}相同），请确认不是重复录入")
