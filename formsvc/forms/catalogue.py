"""The catalogue's entry of each form, from the form's own folder (form_templates/<id>/form.toml)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass

from ..documents import FORM_TEMPLATES
from ..errors import SetupError


@dataclass(frozen=True)
class CatalogueEntry:
    """What the catalogue says of a form: its official title, the notice it comes from (its
    source), what it is for, and the formats it is offered in, the first the default. A form's
    folder holds it beside the form's templates, as form_templates/<id>/form.toml."""

    title: str
    source: str
    purpose: str
    formats: tuple[str, ...]


@functools.cache
def catalogue_entry(form_id: str) -> CatalogueEntry:
    path = FORM_TEMPLATES / form_id / "form.toml"
    try:
        with path.open("rb") as file:
            entry = tomllib.load(file)
        return CatalogueEntry(entry["title"], entry["source"], entry["purpose"], tuple(entry["formats"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError) as error:
        raise SetupError(f"{path}: not a catalogue entry with title, source, purpose and formats "
                         f"({type(error).__name__}: {error})") from error
