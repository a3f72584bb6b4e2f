"""An entity in its public shape: as the public model (`model`), or as the JSON-ready data that
model would serialise to (`data`), which the busiest reads send (app.api.answers) without
building the model: a list's page would build 50.

Building a public model validates what the database already holds: for a page of 50 employers
about 0.9 ms of CPU, then 0.28 ms to serialise them, against 0.49 ms to gather the same fields
as dicts and serialise those (issue 16). `data` gives the public model's fields in its order
(then its computed fields), each the entity's own value, a `computed` one, or the field's
default, which is the JSON the model gives (tests/core/test_showing.py holds them byte for byte;
tests/api/test_pages.py holds each busy read to the JSON of the model the service builds)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class _Shape:
    """How one public model is gathered from one kind of entity."""

    own: tuple[str, ...]  # public fields the entity has
    defaults: tuple[tuple[str, Callable[[], Any]], ...]  # the other fields' defaults
    required: tuple[str, ...]  # the other fields without a default: given as `computed`
    derived: tuple[tuple[str, Callable[[Any], Any]], ...]  # computed fields' getters
    order: tuple[str, ...]  # every field in the model's order, the computed ones last
    ids: tuple[str, ...]  # the UUID fields (`uuid.UUID`, or it or None)


_SHAPES: dict[tuple[type[BaseModel], type[SQLModel]], _Shape] = {}


def _shape(public: type[BaseModel], kind: type[SQLModel]) -> _Shape:
    known = _SHAPES.get((public, kind))
    if known is not None:
        return known
    own, defaults, required = [], [], []
    for name, info in public.model_fields.items():
        if name in kind.model_fields:
            own.append(name)
        elif info.default_factory is not None:
            defaults.append((name, info.default_factory))
        elif info.default is not PydanticUndefined:
            defaults.append((name, lambda value=info.default: value))
        else:
            required.append(name)
    derived = tuple(
        (name, info.wrapped_property.fget)
        for name, info in public.model_computed_fields.items()
        if info.wrapped_property.fget is not None
    )
    known = _SHAPES[public, kind] = _Shape(
        own=tuple(own),
        defaults=tuple(defaults),  # type: ignore[arg-type]
        required=tuple(required),
        derived=derived,
        order=(*public.model_fields, *(name for name, _ in derived)),
        ids=tuple(name for name, info in public.model_fields.items() if _is_id(info.annotation)),
    )
    return known


def _is_id(annotation: Any) -> bool:
    return annotation is uuid.UUID or (
        get_origin(annotation) in (Union, UnionType) and set(get_args(annotation)) == _OPTIONAL_ID
    )


_OPTIONAL_ID = {uuid.UUID, type(None)}


def _fields(shape: _Shape, entity: SQLModel, computed: dict[str, Any]) -> dict[str, Any]:
    # A loaded entity holds its columns in its __dict__ (the instrumented attribute's __get__
    # would look them up there, for 5 % of a list's first page); a name that is not a column
    # (a property) is read as an attribute.
    loaded = entity.__dict__
    found = {name: loaded[name] if name in loaded else getattr(entity, name) for name in shape.own}
    found.update(computed)
    return found


def model(public: type[P], entity: SQLModel, **computed: Any) -> P:
    """The public model of an entity: the attributes of its own that `public` names, and the
    `computed` ones, validated by pydantic's own validator (sqlmodel's `model_validate` wraps
    it in per-attribute work that a model without a table does not need)."""
    found = _fields(_shape(public, type(entity)), entity, computed)
    return public.__pydantic_validator__.validate_python(found)


def data(public: type[BaseModel], entity: SQLModel, **computed: Any) -> dict[str, Any]:
    """What `model(public, entity, **computed)` serialises to, as plain data, without building
    it: the entity's values are the database's (so valid as they are); each `computed` value
    must already be what the field shows (a nested model's fields in its order, as a dict). A
    computed field (pydantic's `computed_field`) is its property's value on the entity; a UUID
    field's value is its text, as the model's JSON gives it."""
    shape = _shape(public, type(entity))
    found = _fields(shape, entity, computed)
    for name, default in shape.defaults:
        if name not in found:
            found[name] = default()
    missing = [name for name in shape.required if name not in found]
    if missing:
        raise TypeError(f"showing.data({public.__name__}) needs {missing} given")
    for name, getter in shape.derived:
        found[name] = getter(entity)
    shown = {name: found[name] for name in shape.order}
    # as text: asyncpg's UUID (a subclass of uuid.UUID) costs pydantic_core's JSON 2 µs each,
    # twenty times the standard one (a fifth of serialising a page of credit records)
    for name in shape.ids:
        value = shown[name]
        if value is not None:
            shown[name] = str(value)
    return shown
