"""What PostgreSQL cannot store in `text` or `jsonb`, stored reversibly: the NUL character.

A step may produce any JSON value, and `printf 'a\\000b'` produces one with a NUL; PostgreSQL
refuses it in `text` and `jsonb` alike, and a projection that cannot store a row stops there.
So on PostgreSQL every string with a NUL is written with each NUL as `ESCAPE + "0"` (and each
`ESCAPE` already there doubled, so nothing else changes meaning), and read back the other way.
`ESCAPE` is a noncharacter that text rarely holds, so almost every value takes the fast path:
a substring test on the encoded document, and no walk at all.
"""

from __future__ import annotations

from typing import Any

ESCAPE = "\U0010ffff"
"""The escape character: the last Unicode noncharacter."""

_ESCAPED_NUL = ESCAPE + "0"
_ESCAPED_ESCAPE = ESCAPE + ESCAPE


def needs_escaping(text: str) -> bool:
    """True when `text` (a value, or a JSON document) holds a NUL or the escape character.

    In a JSON document a NUL is written `\\u0000`; a false alarm (a string that holds those
    six characters) only costs the slow path.
    """
    return "\x00" in text or "\\u0000" in text or ESCAPE in text


def escaped(text: str) -> str:
    """`text` with NUL and the escape character escaped (PostgreSQL can store the result)."""
    if "\x00" not in text and ESCAPE not in text:
        return text
    return text.replace(ESCAPE, _ESCAPED_ESCAPE).replace("\x00", _ESCAPED_NUL)


def unescaped(text: str) -> str:
    """The text `escaped` was given."""
    if ESCAPE not in text:
        return text
    pieces: list[str] = []
    index = 0
    while (found := text.find(ESCAPE, index)) != -1:
        pieces.append(text[index:found])
        follower = text[found + 1 : found + 2]
        pieces.append("\x00" if follower == "0" else ESCAPE)
        index = found + 2
    pieces.append(text[index:])
    return "".join(pieces)


def escaped_value(value: Any) -> Any:
    """A JSON value (or row field) with every string in it escaped."""
    return _mapped(value, escaped)


def unescaped_value(value: Any) -> Any:
    """A JSON value read back, with every string in it unescaped."""
    return _mapped(value, unescaped)


def _mapped(value: Any, function: Any) -> Any:
    if isinstance(value, str):
        return function(value)
    if isinstance(value, dict):
        return {function(key): _mapped(item, function) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mapped(item, function) for item in value]
    return value
