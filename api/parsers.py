"""The API's JSON parser: the standard one, but refusing a body nested deeper than any real
request, which would otherwise exhaust the decoder's recursion (a 500) before a serializer
could say what is wrong."""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Mapping
from itertools import accumulate
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest body the API takes: its requests nest a few levels, so this leaves room to spare.
MAX_DEPTH = 32
TOO_DEEP = f"The body is nested more than {MAX_DEPTH} levels deep: no request needs that"
# A JSON string, escapes included: brackets inside one do not nest anything.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Each bracket as a step in depth (+1 or -1, as a signed byte); every other byte dropped.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON body nest, counted without recursion and at
    C speed (a megabyte in a fraction of a second), before anything is decoded. Read as
    UTF-8, which JSON is sent in (RFC 8259): no byte of another character is a bracket."""
    steps = _STRING.sub(b"", body).translate(_STEPS, _NOT_BRACKETS)
    return max(accumulate(array("b", steps)), default=0)


def too_deep(body: bytes) -> bool:
    """Whether a JSON body nests deeper than MAX_DEPTH (for any reader of JSON bodies)."""
    few = body.count(b"[") + body.count(b"{") <= MAX_DEPTH  # most bodies: no count needed
    return not few and nesting_depth(body) > MAX_DEPTH


class DepthLimitedJSONParser(JSONParser):
    """JSONParser, decoding as it does, once the body's depth is checked."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = stream.read()
        if too_deep(body):
            raise ParseError(TOO_DEEP)
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # a charset other than UTF-8 hid its depth from the count
            raise ParseError(TOO_DEEP) from None
