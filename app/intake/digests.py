"""The hash of an intake item's content, which every stored `intake_items.content_hash` holds.

A repeat of an item is `unchanged` while the hash of its content equals the stored one, so the
text hashed never changes: the JSON of the content as `json.dumps(..., sort_keys=True,
ensure_ascii=False)` writes it, dates, UUIDs and enums as their strings and decimals normalised
(`str(value.normalize())`), so that "5000" and "5000.00" hash alike.

A batch is hashed column by column: each field's values are written for every item at once by the
writer its type needs, then each item's text is joined from its columns (a third of the cost of
writing item by item, value by value).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from app.models.credit_record import CreditRecordCreate

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # json.dumps' text, made once
_FIELD_SET = frozenset(CreditRecordCreate.model_fields)
_DECIMAL_FIELDS = tuple(
    name
    for name, info in CreditRecordCreate.model_fields.items()
    if Decimal in (info.annotation, *get_args(info.annotation))
)


def content_hash(content: CreditRecordCreate) -> str:
    """Equal for equal content however it was written ("5000" and "5000.00", spaced USCCs)."""
    return content_hashes([content])[0]


def content_hashes(contents: Sequence[CreditRecordCreate]) -> list[str]:
    """`content_hash` of each content, in order."""
    if all(c.__dict__.keys() == _FIELD_SET for c in contents):
        return [_hash(text) for text in _texts_of(contents)]
    # a content missing a field (pydantic fills in its default): each on its own
    return [
        _hash(_texts_of([c])[0] if c.__dict__.keys() == _FIELD_SET else _dumped(c))
        for c in contents
    ]


def _texts_of(contents: Sequence[CreditRecordCreate]) -> list[str]:
    """Each content's JSON text: the fields in the sorted order of their keys, a column each."""
    columns = [
        column.texts([c.__dict__[column.name] for c in contents]) for column in _SORTED_COLUMNS
    ]
    return ["{" + ", ".join(parts) + "}" for parts in zip(*columns, strict=True)]


def _dumped(content: CreditRecordCreate) -> str:
    """The text as first defined: pydantic's JSON values (`mode="json"`), decimals normalised."""
    values = content.__pydantic_serializer__.to_python(content, mode="json")
    for name in _DECIMAL_FIELDS:
        amount = getattr(content, name)
        if amount is not None:
            values[name] = str(amount.normalize())
    return _CANONICAL.encode(values)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def json_text(value: Any) -> str:
    """One value of the content as `_CANONICAL` writes what `_dumped` makes of it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if kind is date or isinstance(value, uuid.UUID):  # asyncpg's UUID is a subclass
        return f'"{value}"'  # isoformat; the hyphenated lowercase hex
    if kind is Decimal:
        return encode_basestring(str(value.normalize()))
    if isinstance(value, Enum):
        return json_text(value.value)
    if kind is list:
        return "[" + ", ".join([json_text(item) for item in value]) + "]"
    if isinstance(value, BaseModel):  # a nested model (the rectification): as pydantic says it
        return _CANONICAL.encode(value.__pydantic_serializer__.to_python(value, mode="json"))
    return _CANONICAL.encode(value)  # numbers and anything else: the encoder itself


def _quoted(value: Any) -> str:
    return f'"{value}"'


def _enum_text(value: Enum) -> str:
    return json_text(value.value)


class _Column:
    """One field's `"key": value` texts for a batch: values of the field's own type by its
    writer, None as null, anything else by `json_text`."""

    def __init__(self, name: str, annotation: Any) -> None:
        self.name = name
        self.key = encode_basestring(name) + ": "
        self.null = self.key + "null"
        self.kind = _value_type(annotation)
        self.write: Callable[[Any], str] = _writer(self.kind)

    def texts(self, values: list[Any]) -> list[str]:
        key, null, kind, write = self.key, self.null, self.kind, self.write
        return [
            null if v is None else key + (write(v) if type(v) is kind else json_text(v))
            for v in values
        ]


def _value_type(annotation: Any) -> type:
    """The type a field's value has when it is not None (`str | None` -> str, `list[X]` -> list)."""
    if get_origin(annotation) in (Union, UnionType):
        [annotation] = [a for a in get_args(annotation) if a is not NoneType]
    origin = get_origin(annotation)
    return origin if isinstance(origin, type) else annotation


def _writer(kind: type) -> Callable[[Any], str]:
    if kind is str:
        return encode_basestring
    if kind is date:
        return _quoted  # str(date) is its isoformat
    if isinstance(kind, type) and issubclass(kind, Enum):
        return _enum_text
    return json_text


_SORTED_COLUMNS = tuple(
    _Column(name, CreditRecordCreate.model_fields[name].annotation)
    for name in sorted(CreditRecordCreate.model_fields)
)
