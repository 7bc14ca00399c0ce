"""``--set SECTION.KEY=VALUE``: how the command line gives single config values, parsed here.

The value is JSON where it parses as JSON (``snn.hidden=[256]``, ``train.lr=0.01``) and a string
otherwise (``data.spec=idx:/data/mnist``). The config itself takes typed values by key
(``ppf_neuro.config.build_config``), so Python callers never write strings to be parsed.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ppf_neuro.errors import PPFError


def parse_assignment(text: str) -> tuple[str, Any]:
    """``'snn.hidden=[256]'`` -> ``('snn.hidden', [256])``."""
    key, sep, value = text.partition("=")
    if not sep:
        raise PPFError(f"--set '{text}': expected SECTION.KEY=VALUE, e.g. snn.hidden=[256]")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def overrides(assignments: Iterable[str], given: dict[str, Any]) -> dict[str, Any]:
    """Config values by key: the ones ``given`` by their own options (None: not given), then ``--set``.
    A key given both ways is refused: one of the two would be dropped silently."""
    values = {key: value for key, value in given.items() if value is not None}
    for text in assignments:
        key, value = parse_assignment(text)
        if given.get(key) is not None:
            raise PPFError(f"--set '{text}': {key} is also given by its own option ({given[key]!r}); give one")
        values[key] = value
    return values


def encoding_overrides(kind: str | None, steps: int | None, assignments: Iterable[str]) -> dict[str, Any]:
    """``--encoding``, ``--steps`` and ``--set encoding.KEY=VALUE`` for a netx file's spike encoder, by field."""
    for text in assignments:
        if not text.partition("=")[0].strip().startswith("encoding."):
            raise PPFError(f"--set '{text}': deploy takes only encoding.KEY=VALUE")
    values = overrides(assignments, {"encoding.kind": kind, "encoding.steps": steps})
    return {key.removeprefix("encoding."): value for key, value in values.items()}
