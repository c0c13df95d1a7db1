"""The API's JSON bodies, written by orjson with Django's own formats.

The partner API answers every call with JSON, and a page of twenty referrals is
about 24 kB of it: the standard library with Django's encoder took about 0.4 ms
to write one (its `default` is called back for every date and time), orjson
takes a tenth of that. The text is the same as Django's `DjangoJSONEncoder`
(and ninja's encoder built on it) gives, value for value: times in UTC end in
`Z` and keep milliseconds, dates and durations as Django writes them, lazy
translations, decimals and UUIDs as strings, pydantic models as their dumps.
Only the spacing differs (none) and text outside ASCII is sent as UTF-8 rather
than as `\\u` escapes; both are the same JSON to any parser.
"""

from datetime import date
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_ENCODER = NinjaJSONEncoder()


def _default(value: Any) -> Any:
    """What orjson hands back: dates and times, written by Django's encoder itself (called
    directly: ninja's checks for its own types first cost half as much again, and a page
    of referrals has some two hundred times), and every type orjson does not know, given
    to ninja's encoder (Django's, plus pydantic's types)."""
    if isinstance(value, date):  # a datetime is a date too
        return DjangoJSONEncoder.default(_ENCODER, value)
    return _ENCODER.default(value)  # a time of day, a duration, a decimal, a model...


def dumps(data: Any) -> bytes:
    """`data` as JSON, as Django's encoder would write it (see the module's note)."""
    return orjson.dumps(data, default=_default, option=_OPTIONS)


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    """A JSON answer, as `JsonResponse` would give it, written by `dumps`."""
    return HttpResponse(dumps(data), status=status, content_type="application/json")


class JsonRenderer(BaseRenderer):
    """ninja's renderer for every answer the API builds from a schema, written by `dumps`."""

    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return dumps(data)
