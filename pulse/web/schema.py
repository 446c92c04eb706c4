"""JSON Schema from Python types: how the API's contracts (pulse/web/contracts.py) become the
OpenAPI document's components.

Plain typing introspection, no library:

| type | schema |
|---|---|
| `str`, `int`, `float`, `bool`, `None` | `{"type": "string"}`, ... `{"type": "null"}` |
| `Literal["a", "b"]`, a `StrEnum` | `{"type": "string", "enum": ["a", "b"]}` (`const` for one value) |
| `list[X]`, `tuple[X, ...]` | `{"type": "array", "items": X}` |
| `dict[str, X]` | `{"type": "object", "additionalProperties": X}` |
| `Annotated[dict[str, X], Keys(names)]` | an object with one property `X` per name |
| `X \\| None` | `X` with `"type": [x, "null"]` (`anyOf` with null for a `$ref`) |
| a TypedDict | a component (a `$ref`): its keys, `__required_keys__` required, its docstring |
| `Record(dataclass, ...)` | a component: what its `to_dict()` renders, from `dataclasses.fields` and hints |
| `Annotated[TypedDict, Record(...)]` | a component: the record's properties, then the TypedDict's |

`Annotated` metadata: a string is the description; `Keywords(...)` adds JSON Schema keywords.
A record field's `metadata` (pulse.core.record.about) gives its description and constraints.
Anything else is a TypeError, so a contract cannot hold a type the document would misdescribe.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect
import types
from collections.abc import Callable, Mapping, Sequence
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

COMPONENTS_PATH = "#/components/schemas/"


class Keywords:
    """`Annotated` metadata: JSON Schema keywords added to the type's own, e.g.
    `Annotated[int, Keywords(minimum=0)]`. Tuples become arrays."""

    __slots__ = ("keywords",)

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __repr__(self) -> str:
        return f"Keywords({self.keywords!r})"


@dataclasses.dataclass(frozen=True)
class Keys:
    """`Annotated` metadata for a `dict[str, X]` whose keys are a closed set: an object with one
    property per name (all required with `required=True`), so no other key is allowed."""

    names: tuple[str, ...]
    required: bool = False


@dataclasses.dataclass(frozen=True)
class Record:
    """A dataclass as its `to_dict()` renders it: every field (from `dataclasses.fields`, typed by its
    hints, described by its metadata) but `omit`, then the `properties` it adds (typed by their return
    annotation, described by their docstring). The component is named after the dataclass, unless
    it annotates a TypedDict (`Annotated[Body, Record(...)]`), whose keys then follow the record's."""

    record: type
    omit: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    description: str = ""


class SchemaSet:
    """Builds schemas for types, collecting the components they reference."""

    def __init__(self) -> None:
        self.components: dict[str, dict[str, Any]] = {}
        self._origins: dict[str, object] = {}  # component name -> what it was built from

    def schema(self, tp: Any) -> dict[str, Any]:
        """The JSON Schema of `tp`: a `$ref` for a component, else inline."""
        if isinstance(tp, Record):
            return self._component(tp.record.__name__, tp, lambda: self._record_object(tp))
        origin = get_origin(tp)
        if origin is Annotated:
            return self._annotated(tp)
        if origin in (Required, NotRequired):
            return self.schema(get_args(tp)[0])
        if origin is Literal:
            return _enum(list(get_args(tp)))
        if origin in (Union, types.UnionType):
            return self._union(get_args(tp))
        if origin in (list, Sequence) or (origin is tuple and get_args(tp)[1:] == (...,)):
            return {"type": "array", "items": self.schema(get_args(tp)[0])}
        if origin in (dict, Mapping):
            key, value = get_args(tp)
            if key is not str:
                raise TypeError(f"JSON object keys are strings, not {key!r}")
            return {"type": "object", "additionalProperties": self.schema(value)}
        if is_typeddict(tp):
            return self._component(tp.__name__, tp, lambda: self._typeddict_object(tp))
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return _enum([member.value for member in tp])
        if tp in _PLAIN:
            return {"type": _PLAIN[tp]}
        raise TypeError(f"no JSON Schema for {tp!r}")

    def _annotated(self, tp: Any) -> dict[str, Any]:
        base, *metadata = get_args(tp)
        records = [m for m in metadata if isinstance(m, Record)]
        keys = [m for m in metadata if isinstance(m, Keys)]
        if records:
            if len(records) > 1 or not is_typeddict(base):
                raise TypeError(f"Record annotates one TypedDict: {tp!r}")
            record = records[0]
            schema = self._component(base.__name__, tp, lambda: self._record_object(record, body=base))
        elif keys:
            if get_origin(base) not in (dict, Mapping) or len(keys) > 1:
                raise TypeError(f"Keys annotates a dict[str, X]: {tp!r}")
            value = self.schema(get_args(base)[1])
            names = keys[0].names
            schema = {"type": "object", "properties": {name: copy.deepcopy(value) for name in names}}
            if keys[0].required:
                schema["required"] = list(names)
        else:
            schema = self.schema(base)
        schema = dict(schema)
        for item in metadata:
            if isinstance(item, str):
                schema["description"] = inspect.cleandoc(item)
            elif isinstance(item, Keywords):
                schema.update(jsonable(item.keywords))
            elif not isinstance(item, Record | Keys):
                raise TypeError(f"unknown Annotated metadata {item!r} in {tp!r}")
        return schema

    def _union(self, args: tuple[Any, ...]) -> dict[str, Any]:
        options = [a for a in args if a is not type(None)]
        if len(options) == len(args):
            return {"anyOf": [self.schema(a) for a in options]}
        inner = self.schema(options[0] if len(options) == 1 else Union[tuple(options)])  # noqa: UP007
        if isinstance(inner.get("type"), str) and "$ref" not in inner:
            nullable = dict(inner, type=[inner["type"], "null"])
            if "enum" in nullable:
                nullable["enum"] = [*nullable["enum"], None]
            if "const" in nullable:
                nullable["enum"] = [nullable.pop("const"), None]
            return nullable
        return {"anyOf": [inner, {"type": "null"}]}

    def _component(self, name: str, origin: object, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if name in self._origins:
            if self._origins[name] != origin:
                raise TypeError(f"two contract types are both named {name}: {self._origins[name]!r}, {origin!r}")
        else:
            self._origins[name] = origin
            self.components[name] = {}  # reserved first: a type may refer to itself
            self.components[name] = build()
        return {"$ref": COMPONENTS_PATH + name}

    def _typeddict_object(self, tp: Any) -> dict[str, Any]:
        properties, required = self._typeddict_properties(tp)
        return _object(_doc(tp), properties, required)

    def _typeddict_properties(self, tp: Any) -> tuple[dict[str, Any], list[str]]:
        hints = get_type_hints(tp, include_extras=True)
        properties = {name: self.schema(hint) for name, hint in hints.items()}
        return properties, [name for name in hints if name in tp.__required_keys__]

    def _record_object(self, record: Record, body: Any = None) -> dict[str, Any]:
        cls = record.record
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"Record takes a dataclass, not {cls!r}")
        hints = get_type_hints(cls, include_extras=True)
        properties: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name in record.omit:
                continue
            base, described = self.schema(hints[field.name]), jsonable(dict(field.metadata))
            if "properties" in described:  # a dict whose keys the field names: a closed object, not a map
                base = {k: v for k, v in base.items() if k != "additionalProperties"}
            properties[field.name] = {**base, **described}
        for name in record.properties:
            getter = getattr(cls, name)
            if not isinstance(getter, property) or getter.fget is None:
                raise TypeError(f"{cls.__name__}.{name} is not a property")
            properties[name] = self.schema(get_type_hints(getter.fget)["return"])
            if getter.fget.__doc__:
                properties[name]["description"] = inspect.cleandoc(getter.fget.__doc__)
        required = list(properties)  # to_dict renders every field
        description = record.description or _doc(cls)
        if body is not None:
            extra, extra_required = self._typeddict_properties(body)
            if clash := set(extra) & set(properties):
                raise TypeError(f"{body.__name__} redeclares record keys: {sorted(clash)}")
            properties.update(extra)
            required += extra_required
            description = _doc(body) or description
        return _object(description, properties, required)


_PLAIN: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_JSON_TYPES: dict[type, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}


def _enum(values: list[Any]) -> dict[str, Any]:
    kinds = {_JSON_TYPES[type(v)] if type(v) in _JSON_TYPES else "" for v in values}
    if "" in kinds or not values:
        raise TypeError(f"no JSON Schema for the values {values!r}")
    schema: dict[str, Any] = {"type": kinds.pop()} if len(kinds) == 1 else {}
    if len(values) == 1:
        schema["const"] = values[0]
    else:
        schema["enum"] = values
    return schema


def _object(description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["required"] = required
    schema["properties"] = properties
    return schema


def _doc(tp: Any) -> str:
    doc, name = tp.__dict__.get("__doc__"), tp.__name__  # not inherited from dict
    if not doc or (dataclasses.is_dataclass(tp) and doc.startswith(name + "(")):  # a generated signature
        return ""
    return inspect.cleandoc(doc)


def jsonable(value: Any) -> Any:
    """`value` with tuples as lists and mappings as dicts, as JSON has them."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


__all__ = ["Keywords", "Keys", "Record", "SchemaSet", "jsonable"]
