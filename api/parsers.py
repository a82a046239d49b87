"""The API's JSON parser: DRF's, with limits on what a body may be.

- Nesting: nothing BackCare accepts is nested more than a few levels, and a deeply nested body
  makes Python's JSON reader (or whatever walks the result) recurse until RecursionError, a
  500. Beyond MAX_DEPTH levels the body is a 400 with a clear message.
- Size: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 (Django checks it only for bodies
  read through request.body; DRF reads the stream).
"""

import io

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

MAX_DEPTH = 32


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def too_large_message() -> str:
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _("The request body is larger than %(size)s MB. Nothing was saved.") % {"size": f"{megabytes:g}"}


def json_depth(data) -> int:
    """How deep `data` nests (a scalar is 0, [] or {} is 1), walked without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_message())
        too_deep = ParseError(_("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH})
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth(data) > MAX_DEPTH:
            raise too_deep
        return data
