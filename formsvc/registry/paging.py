"""Long lists in pages: the office's certificate register and audit log have no end."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Item = TypeVar("Item")

#: rows on one page of the office's lists
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list: its items, which page it is (from 1), and how many there are in all."""

    items: Sequence[Item]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.items) - 1 if self.items else 0


def count(session: Session, query: Select[Any]) -> int:
    """How many rows query selects."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def fetch_page(session: Session, query: Select[Any], number: int, *, size: int = PAGE_SIZE,
               convert: Callable[[Any], Item] = lambda row: row) -> Page[Item]:
    """Page number of the rows query selects, in the query's order; a number past the last page
    is the last page (a list that shrank since its link was made still shows its end)."""
    total = count(session, query)
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    rows = session.scalars(query.limit(size).offset((number - 1) * size)).all()
    return Page([convert(row) for row in rows], number, size, total)
