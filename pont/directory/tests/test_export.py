"""What Pont exports is valid HSDS 3.0: every object, against the official schemas."""

import uuid

import pytest

from pont.directory import hsds, selectors, services
from pont.directory.models import Service

from .conftest import import_samples


@pytest.fixture
def full_directory(demo_directory):
    import_samples("service.json", "organization.json", "page.json")


def test_every_exported_service_validates_against_the_official_schema(full_directory):
    page = selectors.hsds_export()
    assert page["total_items"] == len(page["contents"]) == Service.objects.count() == 12
    for service in page["contents"]:
        assert hsds.schema_problems(service, "service") == [], service["name"]
    assert hsds.schema_problems(page, "page") == []


def test_the_export_carries_needs_and_welsh_texts_as_pont_attributes(full_directory):
    hub = next(s for s in selectors.hsds_export()["contents"] if s["name"].startswith("Llanelli"))
    assert hub["alternate_name"] == "Hyb adfer Llanelli"
    assert hub["organization"]["alternate_name"] == "Adferiad Cymru (enghraifft)"
    assert hub["service_at_locations"][0]["location"]["alternate_name"] == "Yr Hyb"
    terms = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["code"]): a.get("value")
        for a in hub["attributes"]
    }
    assert terms == {
        ("pont-needs", "alcohol"): None,
        ("pont-needs", "drugs"): None,
        ("pont-welsh", "description"): "Cymorth adfer galw heibio a mentora gan gymheiriaid.",
    }
    assert [a["name"] for a in hub["service_areas"]] == ["Carmarthenshire", "Pembrokeshire"]
    assert hub["phones"][0]["extension"] == 12
    assert hub["last_modified"] == "2026-09-01T10:30:45.123Z"


def test_ids_pont_derives_are_the_same_in_every_export(full_directory):
    first, second = selectors.hsds_export(), selectors.hsds_export()
    assert first == second
    address = first["contents"][0]["service_at_locations"][0]["location"]["addresses"][0]
    assert uuid.UUID(address["id"]).version == 5


def test_an_empty_directory_exports_an_empty_valid_page(db):
    page = selectors.hsds_export()
    assert page == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }
    assert hsds.schema_problems(page, "page") == []


def test_a_service_made_in_pont_with_no_optional_details_still_validates(db):
    organization = services.directory_organization_create(actor=None, name="Bare")
    services.service_create(actor=None, organization=organization, name="Bare service")
    (service,) = selectors.hsds_export()["contents"]
    assert set(service) == {
        "id",
        "organization_id",
        "name",
        "status",
        "last_modified",
        "organization",
    }
    assert hsds.schema_problems(service, "service") == []


def test_exporting_a_page_takes_a_fixed_number_of_queries(
    full_directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        selectors.hsds_export()


def test_a_phones_and_an_opening_times_welsh_description_is_a_pont_attribute(demo_directory):
    """HSDS has one language: the Welsh of a phone's or a schedule's description is carried
    as the service's Welsh texts are, and the document stays valid."""
    page = selectors.hsds_export()
    phones = [p for s in page["contents"] for p in s.get("phones", [])]
    schedules = [x for s in page["contents"] for x in s.get("schedules", [])]
    advice = next(p for p in phones if p.get("description") == "Self-referral and advice")
    (welsh,) = advice["attributes"]
    assert (welsh["taxonomy_term"]["taxonomy"], welsh["taxonomy_term"]["code"]) == (
        "pont-welsh",
        "description",
    )
    assert (welsh["link_entity"], welsh["link_id"]) == ("phone", advice["id"])
    assert welsh["value"] == "Hunanatgyfeirio a chyngor"
    late = next(x for x in schedules if x.get("description") == "Late clinic")
    assert late["attributes"][0]["value"] == "Clinig hwyr"
    assert all("attributes" not in p for p in phones if not p.get("description"))
    for service in page["contents"]:
        assert hsds.schema_problems(service, "service") == [], service["name"]
