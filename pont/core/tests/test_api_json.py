"""The API's JSON (orjson) says what Django's and ninja's encoders said, value for value."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy, override
from ninja import Schema
from ninja.responses import NinjaJSONEncoder

from pont.core.api_json import JsonRenderer, dumps, json_response


class Item(Schema):
    name: str
    when: datetime


VALUES = [
    datetime(2026, 11, 30, 5, 20, 41, 293451, tzinfo=UTC),
    datetime(2026, 11, 30, 5, 20, 41, tzinfo=UTC),  # no fraction: none written
    datetime(2026, 6, 1, 9, 0, 0, 500, tzinfo=timezone(timedelta(hours=1))),
    datetime(2026, 6, 1, 9, 0, 0, 123000),  # noqa: DTZ001 - naive on purpose
    date(1980, 1, 1),
    time(9, 30, 15, 250000),
    timedelta(days=1, hours=2, seconds=3),
    Decimal("12.50"),
    uuid.UUID("8500f338-2d51-49ca-b8cc-4acbf8f4a5f9"),
    'Gwasanaeth Cyffuriau ac Alcohol Dyfed: ŵ ŷ â, "quoted" \\ and a newline\n',
    {"nested": [1, 2.5, None, True, {"a": []}], "7": "seven"},
    Item(name="Llŷr", when=datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_each_value_reads_back_as_djangos_encoder_wrote_it(value):
    ours = json.loads(dumps({"value": value}))
    theirs = json.loads(json.dumps({"value": value}, cls=NinjaJSONEncoder))
    assert ours == theirs


def test_times_are_utc_with_z_and_milliseconds():
    moment = datetime(2026, 11, 30, 5, 20, 41, 293451, tzinfo=UTC)
    assert dumps([moment, moment.replace(microsecond=0)]) == (
        b'["2026-11-30T05:20:41.293Z","2026-11-30T05:20:41Z"]'
    )


def test_lazy_translations_are_written_in_the_active_language():
    label = gettext_lazy("Not found.")
    with override("en"):
        assert json.loads(dumps({"message": label})) == {"message": "Not found."}


def test_integer_keys_are_written_as_strings_as_the_standard_library_does():
    assert json.loads(dumps({1: "a"})) == json.loads(json.dumps({1: "a"}))


def test_an_unknown_type_is_refused_as_the_standard_library_refuses_it():
    with pytest.raises(TypeError):
        dumps({"value": object()})


def test_json_response_and_the_renderer_write_the_same_body():
    body = {"items": [{"id": "x", "at": VALUES[0]}], "next_cursor": None}
    response = json_response(body, status=201)
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.content == dumps(body)
    assert JsonRenderer().render(None, body, response_status=200) == dumps(body)
    assert JsonRenderer.media_type == "application/json"
