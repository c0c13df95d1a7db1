"""What the security log says of a refusal (ASVS 16.3.2, `pont.core.refusals`).

The authorisation matrix holds that every refusal of someone known writes exactly one
line, and the id swap that a 404's line tells another organisation's record from a
missing one; these are the line's words for each kind of refusal.
"""

import logging
from typing import Any

import pytest
from django.test import Client

from pont.core.logging import OneLineFormatter, one_line
from pont.testing.http import api_key_headers, post_form
from pont.testing.personas import ANON, FRONTLINE, World

pytestmark = pytest.mark.django_db


def _refusals(caplog: Any) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "pont.security" and record.getMessage().startswith("refused ")
    ]


def test_a_missing_capability_is_named_and_a_query_is_left_out(world: World, as_persona, caplog):
    officer = as_persona(FRONTLINE)
    response = post_form(officer, "/referrals/caseload.csv?name=Gethin")
    assert response.status_code == 403
    (line,) = _refusals(caplog)
    user = world.user(FRONTLINE)
    assert line == (
        "refused 403 POST /referrals/caseload.csv (referrals:export) to user "
        f"{user.get_username()} ({user.pk}): lacks referrals.export_caseload"
    )
    assert "Gethin" not in caplog.text
    (record,) = [r for r in caplog.records if r.getMessage() == line]
    assert record.request_id == response["X-Request-ID"]  # the line leads to the request


def test_an_api_key_without_the_scope_and_a_call_without_a_valid_key(world: World, caplog):
    headers = api_key_headers(world, scopes=["referrals:write"])
    caplog.clear()
    refused = Client().get("/api/v1/referrals/", headers=headers)
    assert refused.status_code == 403
    (line,) = _refusals(caplog)
    assert line.startswith("refused 403 GET /api/v1/referrals/ (api:list_referrals) to API client ")
    assert line.endswith(f"of organisation {world.provider_a.pk}: lacks the referrals:read scope")

    caplog.clear()
    bad = Client().get("/api/v1/referrals/", headers={"Authorization": "Bearer pont_nope_nope"})
    assert bad.status_code == 401
    (line,) = _refusals(caplog)
    assert line == (
        "refused 401 GET /api/v1/referrals/ (api:list_referrals) to an API call with no "
        "valid key from 127.0.0.1"
    )
    assert "pont_nope" not in caplog.text  # never the key


def test_no_line_for_someone_not_signed_in(as_persona, caplog):
    assert as_persona(ANON).get("/no-such-page").status_code == 404
    assert _refusals(caplog) == []


def test_a_line_break_or_escape_in_an_address_cannot_forge_a_log_line(as_persona, caplog):
    """T23: the path is what someone sent; a CR LF in it must not start a line that reads
    as another record, nor an ANSI escape act on the terminal of whoever reads the log."""
    forged = "x%0d%0a2026-12-01 00:00:00,000 WARNING pont.security [-] signed out admin%1b[2J"
    assert as_persona(FRONTLINE).get(f"/referrals/{forged}").status_code == 404
    (record,) = [r for r in caplog.records if r.getMessage().startswith("refused ")]
    (formatter,) = {
        handler.formatter
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, OneLineFormatter)
    }
    line = formatter.format(record)
    assert not {"\n", "\r", "\x1b"} & set(line)
    assert "x\\x0d\\x0a2026-12-01 00:00:00,000 WARNING" in line
    assert "admin\\x1b[2J" in line


def test_one_line_escapes_every_control_character_and_keeps_welsh():
    assert one_line("Ŵyn\tâ\u2028ŷ\x85\x7f") == "Ŵyn\\x09â\\u2028ŷ\\x85\\x7f"
    error = ValueError("boom")
    record = logging.LogRecord(
        "pont", logging.ERROR, __file__, 1, "a\nb", None, (ValueError, error, None)
    )
    text = OneLineFormatter("%(message)s").format(record)
    assert text.startswith("a\\x0ab\n")  # the message one line, the traceback its own lines
    assert text.endswith("ValueError: boom")


def test_a_value_that_is_not_an_id_is_not_repeated_in_the_log(as_persona, caplog):
    """A person's id comes in the query (`?person=`): anything typed there, a name among
    them, answers 404 and stays out of the log."""
    assert as_persona(FRONTLINE).get("/referrals/new?person=Gethin%20Parry").status_code == 404
    (line,) = _refusals(caplog)
    assert line.endswith(": people.person: what was asked for is not an id")
    assert "Gethin" not in caplog.text
