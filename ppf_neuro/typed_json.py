"""JSON objects into the typed frozen dataclasses of :mod:`ppf_neuro.config`, by their annotations.

A config comes from files users write and artifacts they edit: every key must be a field, and every
value must fit its annotated type (``bool`` is not an ``int``, a list becomes a ``tuple``, ``None``
only where ``X | None``), or a :class:`~ppf_neuro.errors.PPFError` names the field. Range checks stay
with each dataclass (its ``__post_init__``), which :func:`check` serves too.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import warnings

from ppf_neuro.errors import PPFError, RenamedKey


def check(ok: bool, where: str, expected: str, got) -> None:
    """A PPFError naming the config field ``where`` unless ``ok``."""
    if not ok:
        raise PPFError(f"config field '{where}': expected {expected}, got {got!r}")


def section_from_dict(cls, d, where: str):
    """The config dataclass ``cls`` from a JSON object; unknown keys and ill-typed or out-of-range
    values are refused naming the field (``where`` is the section's name)."""
    if not isinstance(d, dict):
        raise PPFError(f"config section '{where or 'top level'}': expected an object, got {d!r}")
    d = _current_names(cls, d, where)
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - names)
    if unknown:
        raise PPFError(
            f"config section '{where or 'top level'}': unknown key(s) {unknown}; "
            f"known keys are {sorted(names)}"
        )
    kwargs = {k: _coerce(hints[k], v, f"{where}.{k}".lstrip(".")) for k, v in d.items()}
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise PPFError(f"config section '{where or 'top level'}': {e}") from None


def current_name(cls, key: str, where: str) -> str:
    """``key`` of the config section ``cls`` (named ``where``) as it is named now: a key the section
    has renamed (its ``RENAMED``, old -> new) is said once (:class:`~ppf_neuro.errors.RenamedKey`)
    and read under its new name, so that files and overrides written before still work."""
    new = getattr(cls, "RENAMED", {}).get(key)
    if new is None:
        return key
    warnings.warn(f"config key '{where}.{key}' is now '{where}.{new}': read under the new name, which "
                  f"files written from now on use", RenamedKey, stacklevel=2)
    return new


def _current_names(cls, d: dict, where: str) -> dict:
    """``d`` with every key under its current name; an old and a new name of one key together are refused
    (which of the two values was meant cannot be known)."""
    out = {}
    for key, value in d.items():
        name = current_name(cls, key, where)
        if name != key and name in d:
            raise PPFError(f"config section '{where}': '{key}' is the old name of '{name}', and both are "
                           f"given: keep '{name}'")
        out[name] = value
    return out


def _coerce(tp, v, where: str):
    """Turn JSON values into the annotated type, refusing what does not fit."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return section_from_dict(tp, v, where)
    if origin in (typing.Union, types.UnionType):  # Optional[X]
        if v is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, v, where)
    if origin is tuple:
        check(isinstance(v, (list, tuple)), where, "a list", v)
        return tuple(_coerce(args[0], x, where) for x in v)
    if tp is bool:
        check(isinstance(v, bool), where, "true or false", v)
        return v
    if tp is int:
        check(isinstance(v, int) and not isinstance(v, bool), where, "an integer", v)
        return v
    if tp is float:
        check(isinstance(v, (int, float)) and not isinstance(v, bool), where, "a number", v)
        return float(v)
    if tp is str:
        check(isinstance(v, str), where, "a string", v)
        return v
    raise TypeError(f"unsupported config type {tp} at {where}")  # a bug, not user input
