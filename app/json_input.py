"""JSON from clients, read strictly: one reader for request bodies and WebSocket messages.

orjson refuses what the standard library would let through or choke on: NaN and Infinity,
numbers too large for a float, nesting deeper than 1024, text that is not UTF-8. Each is
refused with a message a person can act on.
"""

from __future__ import annotations

from typing import Any

import orjson

NOT_NUMBERS = "NaN and Infinity are not numbers in JSON"


class BadJson(ValueError):
    """Text that is not JSON this server reads; the message says why."""


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise BadJson(_why(error)) from None


def _why(error: orjson.JSONDecodeError) -> str:
    doc, pos, msg = error.doc, error.pos, error.msg
    if doc.startswith(("NaN", "Infinity"), pos) or doc.startswith(("-NaN", "-Infinity"), pos - 1):
        return NOT_NUMBERS
    if "infinity" in msg:
        return "a number is too large"
    if "depth limit" in msg:
        return "nested more than 1024 deep"
    if "BOM" in msg:
        return "a byte order mark (BOM) is not JSON: send UTF-8 without one"
    if "UTF-8" in msg:
        return "not UTF-8 text"
    return f"not valid JSON ({msg} at character {pos})"
