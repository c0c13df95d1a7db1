"""The person's copy of the search record (PACE Code A 4.10): every item of Code A 4.3 in Welsh
and in English, the same bytes for the same record, audited as a disclosure to the person,
and nothing the person is not given (the officer's view of their ethnicity)."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from pont.audit.models import AuditEvent
from pont.stop_search import record_copy
from pont.testing.http import post_form
from pont.testing.personas import FRONTLINE, INSPECTOR
from pont.testing.referrals import reachable_person
from pont.testing.stop_search import recorded_search, stop_search_reference


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


@pytest.fixture
def search(world):
    stop_search_reference()
    return recorded_search(
        world,
        search_type="person_and_vehicle",
        vehicle_registration="CY21 ABC",
        detained_place="Outside the bus station",
        injury_or_damage="Wing mirror folded back; no injury.",
    )


def test_the_copy_holds_every_code_a_item_in_welsh_then_english(search):
    data = record_copy.copy_data(search)
    text = _text(record_copy.copy_pdf(data))
    welsh, english = text.split("Record of a stop and search", 1)
    assert "Cofnod o stopio a chwilio" in welsh
    for words in (
        data.reference,
        "Stepney Street, Llanelli",  # the place
        "Outside the bus station",  # where first detained
        "White man, about 20",  # the description: no name was given
        "CY21 ABC",
        "Strong smell of cannabis",  # the grounds
        "Wing mirror folded back",  # injury or damage
        "Frontline Tester",  # the officer
        "BWV-4471-2026",
    ):
        assert words in english, words
        assert words in welsh, words
    assert "Misuse of Drugs Act 1971" in english or "section 23" in english.lower()
    assert "3 months" in english
    assert "3 mis" in welsh
    assert "Officer-defined" not in text


def test_a_named_person_is_named_and_the_same_record_gives_the_same_bytes(world):
    stop_search_reference()
    search = recorded_search(world, person=reachable_person(world, given_name="Gethin"))
    data = record_copy.copy_data(search)
    first = record_copy.copy_pdf(data)
    assert first == record_copy.copy_pdf(record_copy.copy_data(search))
    assert "Gethin Parry" in _text(first)


def test_the_copy_is_downloaded_by_who_may_see_the_search_and_audited(world, search, as_persona):
    path = f"/stop-search/{search.pk}/copy"
    response = post_form(as_persona(FRONTLINE), path)  # the officer who made it
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.filter(operation="disclosure").latest("sequence")
    assert event.object_id == str(search.pk)
    assert event.recipient == "the person searched"
    other = recorded_search(world, actor_code=INSPECTOR)
    assert post_form(as_persona(FRONTLINE), f"/stop-search/{other.pk}/copy").status_code == 404
    assert post_form(as_persona("panel"), path).status_code == 403
