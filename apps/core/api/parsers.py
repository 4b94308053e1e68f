"""The API's JSON parser: DRF's, plus the refusals a public endpoint needs before any
view sees the data.

- Nesting deeper than `MAX_DEPTH` (`[[[[...]]]]`) is 400 `malformed_request`: Python's
  parser would otherwise run out of stack (RecursionError, a 500) or hand the view a
  structure no field of ours has.
- A NUL character in any string or key is 400 `validation_error` on that field:
  PostgreSQL stores no NUL in text, so it would fail later as a 500.
- A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is 413 `payload_too_large` (through
  Django's RequestDataTooBig, mapped in `apps.core.api.errors`).
"""

from __future__ import annotations

import codecs
from typing import Any

from rest_framework import exceptions, parsers
from rest_framework.utils import json

# Our deepest request body is three levels (passengers[].document.field); 32 leaves room.
MAX_DEPTH = 32
NUL = "\x00"
NUL_MESSAGE = "Must not contain a NUL character."


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def check_depth(data: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH: one pass per level, no recursion."""
    level, depth = [data], 1
    while level:
        containers = [value for value in level if isinstance(value, (dict, list))]
        if containers and depth > MAX_DEPTH:
            raise exceptions.ParseError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.")
        level = [child for value in containers for child in (value.values() if isinstance(value, dict) else value)]
        depth += 1


def check_nul(data: Any) -> None:
    """Refuse a NUL character in any string or key, naming the fields that hold one."""
    nul_fields: dict[str, list[str]] = {}
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, (dict, list)):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, inner in items:
                if isinstance(key, str) and NUL in key:
                    nul_fields.setdefault(path or "non_field_errors", [NUL_MESSAGE])
                elif isinstance(inner, (dict, list, str)):
                    pending.append((inner, _path(path, key)))
        elif isinstance(value, str) and NUL in value:
            nul_fields.setdefault(path or "non_field_errors", [NUL_MESSAGE])
    if nul_fields:
        raise exceptions.ValidationError(nul_fields)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise exceptions.ParseError(f"JSON nested more than {MAX_DEPTH} levels deep is not accepted.") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # A body with fewer brackets than MAX_DEPTH cannot nest too deep, and JSON carries a
        # NUL only as the escape \u0000: most bodies need neither walk.
        if text.count("[") + text.count("{") > MAX_DEPTH:
            check_depth(data)
        if "\\u0000" in text.lower():
            check_nul(data)
        return data
