"""What every form is made of: a data model, cross-field rules, and the documents it fills."""

from __future__ import annotations

import functools
import logging
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from ..documents import Document
from ..errors import Loc, Problem
from .catalogue import catalogue_entry

log = logging.getLogger(__name__)


class FormModel(BaseModel):
    """Base of every form's data: unknown fields are refused, values are immutable once checked."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Findings:
    """Problems the cross-field rules found: errors refuse the data, warnings only point."""

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def __add__(self, other: Findings) -> Findings:
        return Findings(self.errors + other.errors, self.warnings + other.warnings)


@dataclass(frozen=True)
class Validated:
    """The result of checking data against a form: the model when there are no errors."""

    model: FormModel | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    #: what the form's explain hook adds to the /validate answer (e.g. crossover eligibility)
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
            **self.details,
        }

    def summary(self) -> str:
        if self.ok:
            return f"通过校验，{len(self.warnings)} 条提示"
        return f"{len(self.errors)} 处错误，{len(self.warnings)} 条提示"


def no_rules(model: Any) -> Findings:
    return Findings()


@dataclass(frozen=True)
class SheetTool:
    """What a form's page also makes from a filled sheet of the form (and a ZIP of photos): the
    API endpoint that makes it (a Flask endpoint name), and how the page offers it."""

    endpoint: str
    title: str
    description: str
    formats: tuple[str, ...]
    photos: bool = False


@dataclass(frozen=True)
class FormSpec:
    """A form of the catalogue: official name, source, data model, rules, documents, formats."""

    id: str
    title: str
    source: str
    purpose: str
    model: type[FormModel]
    formats: tuple[str, ...]
    #: the filled documents for checked data, or the blank form for None
    documents: Callable[[Any], list[Document]]
    rules: Callable[[Any], Findings] = no_rules
    #: for tabular forms: the model of one sheet row and the field of the form that lists them
    row_model: type[FormModel] | None = None
    rows_field: str | None = None
    #: extra keys of the /validate answer, computed from data whose fields are well-formed (even
    #: when the cross-field rules find errors: the explanation is what helps to fix them)
    explain: Callable[[Any], Mapping[str, Any]] | None = None
    #: fields a multipart request may send as file parts (their bytes become the field's value)
    uploads: tuple[str, ...] = ()
    #: for tabular forms: the cross-field rules of the rows, each given with where it stands (a
    #: position in the JSON list, or a sheet row on import) so both report the same problems
    rows_rules: Callable[[FindingsBuilder, Sequence[LocatedRow]], None] | None = None
    #: for tabular forms: what the form's page makes from a filled sheet beyond the form itself
    sheet_tool: SheetTool | None = None

    @classmethod
    def catalogued(cls, form_id: str, **parts: Any) -> FormSpec:
        """The form as its catalogue entry describes it, made of parts (its model, documents, rules…)."""
        entry = catalogue_entry(form_id)
        return cls(id=form_id, title=entry.title, source=entry.source, purpose=entry.purpose,
                   formats=entry.formats, **parts)

    def validate(self, data: Any) -> Validated:
        """Every problem of data at once: the fields' own, and the cross-field rules' on whatever
        fields are well-formed (a wrong check digit is reported with the missing 姓名)."""
        try:
            model = self.model.model_validate(data)
        except ValidationError as error:
            problems = problems_from(error, self.model)
            findings = rules_on_part(self.rules, well_formed_part(self.model, data))
            return Validated(None, (*problems, *unexplained(findings.errors, problems)),
                             tuple(unexplained(findings.warnings, problems)))
        findings = self.rules(model)
        details = self.explain(model) if self.explain is not None else {}
        return Validated(
            None if findings.errors else model, findings.errors, findings.warnings, details
        )


# --- the rules on data that is only partly well-formed ---------------------------------------


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    # one field checked on its own exactly as the model checks it: type, constraints, validators
    info = model.model_fields[name]
    return TypeAdapter(Annotated[info.annotation, info])


def well_formed_part(model: type[FormModel], data: Any) -> Any:
    """data's well-formed fields as an unchecked model (model_construct), every other field None.

    Lists of rows and nested parts are taken apart the same way, so that the rules of a form
    still check the other fields of a row one of whose fields is wrong. None when data is not
    an object at all.
    """
    if not isinstance(data, Mapping):
        return None
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = name if name in data else info.alias
        if key is None or key not in data:
            values[name] = None if info.is_required() else info.get_default(call_default_factory=True)
            continue
        try:
            values[name] = _field_adapter(model, name).validate_python(data[key])
        except ValidationError:
            values[name] = _part_of(info.annotation, data[key])
    return model.model_construct(**values)


def _part_of(annotation: Any, raw: Any) -> Any:
    inner = next(iter(_inner_models(annotation)), None)
    if inner is None or not issubclass(inner, FormModel):
        return None
    if isinstance(raw, list):
        return [_checked_or_part(inner, item) for item in raw]
    return well_formed_part(inner, raw)


def _checked_or_part(model: type[FormModel], item: Any) -> Any:
    try:
        return model.model_validate(item)
    except ValidationError:
        # a row that is not even an object still holds its place: loc counts rows
        return well_formed_part(model, item if isinstance(item, Mapping) else {})


def rules_on_part(rules: Callable[[Any], Findings], part: Any) -> Findings:
    """What the rules find in a partly well-formed model; nothing when they cannot look at it."""
    if part is None or rules is no_rules:
        return Findings()
    try:
        return rules(part)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as error:
        # a rule that needs a field which is missing or wrong: its fields' own errors stand
        log.debug("rules skipped on partial data: %r", error)
        return Findings()


def unexplained(found: Iterable[Problem], wrong: Iterable[Problem]) -> list[Problem]:
    """What the rules found on partly well-formed data that the wrong fields do not explain:
    nothing at a wrong field (left None, it is not also 为必填项), nothing about a part holding
    one (a row's duplicate, a list's count, when one of its values is wrong)."""
    held = {p.loc[:length] for p in wrong for length in range(1, len(p.loc) + 1)}
    return [p for p in found if p.loc not in held]


# --- pydantic's errors in the words of the forms ---------------------------------------------

#: pydantic error type → what follows the field's label in the message
MESSAGES: dict[str, str] = {
    "missing": "为必填项",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "string_too_long": "不能超过{max_length}个字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为“是”或“否”",
    "bool_parsing": "应为“是”或“否”",
    "greater_than_equal": "不能小于{ge}",
    "greater_than": "应大于{gt}",
    "less_than_equal": "不能大于{le}",
    "less_than": "应小于{lt}",
    "literal_error": "只能是：{expected}",
    "enum": "只能是：{expected}",
    "list_type": "应为列表",
    "too_short": "至少需要{min_length}项",
    "too_long": "最多只能有{max_length}项",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "extra_forbidden": "不是本表的字段",
    "date_type": "应为日期",
}


def _choices(expected: str) -> str:
    return expected.replace("'", "").replace(" or ", "、").replace(", ", "、")


def message_for(error: ErrorDetails, label: str) -> str:
    if error["type"] == "formsvc":
        return f"{label}{error['msg']}"
    kind = error["type"]
    if kind in ("too_long", "too_short") and isinstance(error.get("input"), str):
        # an optional text field (Text | None) has its length checked as a generic length
        kind = f"string_{kind}"
    template = MESSAGES.get(kind)
    if template is None:
        return f"{label}填写有误"
    context = dict(error.get("ctx") or {})
    if "expected" in context:
        context["expected"] = _choices(str(context["expected"]))
    if kind == "string_too_short" and context.get("min_length", 1) > 1:
        template = "不能少于{min_length}个字"
    if error["type"] == "extra_forbidden":
        return f"“{error['loc'][-1]}”{template}"
    try:
        return label + template.format(**context)
    except (KeyError, IndexError):
        return f"{label}填写有误"


def _inner_models(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _inner_models(typing.get_args(annotation)[0])
        return
    if origin in (list, tuple, typing.Union, types.UnionType) or origin is not None:
        for argument in typing.get_args(annotation):
            yield from _inner_models(argument)


def label_for(model: type[BaseModel], loc: Sequence[str | int]) -> str:
    """The official label of the field at loc: 证件号码 for ("rows", 2, "id_number")."""
    label = ""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part)
        if info is None:
            # pydantic puts the failing member of a union or a validator's name in loc
            continue
        label = info.title or part
        current = next(iter(_inner_models(info.annotation)), None)
    return label or "数据"


def problems_from(error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(p for p in detail["loc"] if isinstance(p, int) or not _is_tag(p))
        problems.append(Problem(loc, message_for(detail, label_for(model, loc))))
    return problems


def _is_tag(part: str) -> bool:
    # pydantic names union members and function validators in loc; they are not fields
    return part.startswith(("function-", "lax-", "json-")) or "[" in part


# --- for the rules of each form --------------------------------------------------------------


@dataclass
class FindingsBuilder:
    """Collects a form's cross-field problems in the order the form reads."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, loc: Loc, msg: str) -> None:
        self.errors.append(Problem(tuple(loc), msg))

    def warn(self, loc: Loc, msg: str) -> None:
        self.warnings.append(Problem(tuple(loc), msg))

    def done(self) -> Findings:
        return Findings(tuple(self.errors), tuple(self.warnings))


@dataclass(frozen=True)
class LocatedRow:
    """A row of a tabular form and where it stands: loc for its problems, label for messages."""

    loc: Loc
    #: how a message names the row: 第3行 (the third of the JSON list, or sheet row 3 on import)
    label: str
    row: Any


def listed_rows(rows: Sequence[Any], field_name: str) -> list[LocatedRow]:
    """The rows of a form's list, located by their position in it."""
    return [LocatedRow((field_name, i), f"第{i + 1}行", row) for i, row in enumerate(rows)]


def title_of(model: type[BaseModel], name: str) -> str:
    """The official label of a field of model."""
    return model.model_fields[name].title or name

