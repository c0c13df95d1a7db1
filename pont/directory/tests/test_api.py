"""The HSDS 3.0 read API: public, paginated as HSDS says, filters, and the single error shape."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pont.directory import hsds, selectors
from pont.directory.models import Service

from .conftest import import_samples

LIST = "/api/v1/hsds/services"


@pytest.fixture
def directory(demo_directory):
    import_samples("service.json", "organization.json", "page.json")


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(s["name"] for s in response.json()["contents"])


def test_the_root_says_which_hsds_version_and_where_the_openapi_is(db):
    response = Client().get("/api/v1/hsds/")
    assert response.status_code == 200
    assert response.json() == {
        "version": "3.0",
        "openapi_url": "http://testserver/api/v1/openapi.json",
    }


def test_the_list_needs_no_key_and_pages_as_hsds_says(directory):
    first = Client().get(LIST, {"per_page": 5})
    assert first.status_code == 200
    body = first.json()
    assert {k: v for k, v in body.items() if k != "contents"} == {
        "total_items": 12,
        "total_pages": 3,
        "page_number": 1,
        "size": 5,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    last = Client().get(LIST, {"per_page": 5, "page": 3}).json()
    assert (last["size"], last["first_page"], last["last_page"], last["empty"]) == (
        2,
        False,
        True,
        False,
    )
    beyond = Client().get(LIST, {"per_page": 5, "page": 4}).json()
    assert (beyond["size"], beyond["empty"], beyond["contents"]) == (0, True, [])
    everyone = {
        s["id"]
        for n in (1, 2, 3)
        for s in Client().get(LIST, {"per_page": 5, "page": n}).json()["contents"]
    }
    assert everyone == {str(pk) for pk in Service.objects.values_list("pk", flat=True)}
    assert hsds.schema_problems(body, "page") == []


def test_the_list_returns_the_same_objects_as_the_export(directory):
    body = Client().get(LIST, {"per_page": 200}).json()
    assert body == selectors.hsds_export()


def test_a_service_is_returned_whole_and_valid(directory):
    service = Service.objects.get(name="Llanelli recovery hub")
    response = Client().get(f"{LIST}/{service.pk}")
    assert response.status_code == 200
    body = response.json()
    assert hsds.schema_problems(body, "service") == []
    assert body == hsds.service_to_hsds(selectors.service_get(service_id=service.pk))
    assert "null" not in response.content.decode()


@pytest.mark.parametrize("service_id", ["5e7a1c00-0000-4000-8000-0000000000ff", "not-a-uuid"])
def test_an_unknown_service_is_404_in_the_single_error_shape(db, service_id):
    response = Client().get(f"{LIST}/{service_id}")
    assert response.status_code == 404
    assert response.json() == {"message": "Service not found.", "extra": {}}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "liaison"}, ["Ceredigion alcohol liaison"]),
        ({"search": "recovery mentoring"}, ["Llanelli recovery hub"]),
        (
            {"organization_id": "0a6a0000-0000-4000-8000-000000000002"},
            ["Family support", "Young carers group"],
        ),
        (
            {"need": "housing"},
            ["Housing options and homelessness advice", "Pembrokeshire tenancy support"],
        ),
        ({"need": "young_people"}, ["Young people's drug and alcohol service"]),
        (
            {"county": "powys"},
            ["Family support", "Powys drug and alcohol service", "Young carers group"],
        ),
        (
            {"county": "ceredigion", "language": "cy", "need": "alcohol"},
            [
                "Adult drug and alcohol service",
                "Ceredigion alcohol liaison",
                "Community drug and alcohol team",
            ],
        ),
        (
            {"taxonomy_term_id": hsds.need_term_id("families")},
            [
                "Family support",
                "Young people's drug and alcohol service",
            ],
        ),
        ({"taxonomy_term_id": "5e7a1c00-0000-4000-8000-0000000000ff"}, []),
    ],
)
def test_the_list_filters(directory, query, expected):
    assert _names(Client().get(LIST, query)) == expected


def test_modified_after_returns_only_services_changed_since(directory):
    Service.objects.filter(name="Family support").update(
        last_modified=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert _names(Client().get(LIST, {"modified_after": "2029-12-31T00:00:00Z"})) == [
        "Family support"
    ]
    # Without an offset the time is taken as UTC.
    assert _names(Client().get(LIST, {"modified_after": "2029-12-31T00:00:00"})) == [
        "Family support"
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 201}, "per_page"),
        ({"page": 0}, "page"),
        ({"county": "gwynedd"}, "county"),
        ({"need": "knitting"}, "need"),
        ({"organization_id": "nope"}, "organization_id"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"modified_after": "1700000000"}, "modified_after"),  # Unix time: not ISO 8601
        ({"modified_after": "2026-11-30"}, "modified_after"),  # a date without its time
    ],
)
def test_bad_filters_are_422_naming_the_field(db, query, field):
    response = Client().get(LIST, query)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert field in str(body["extra"]["fields"])


def test_the_openapi_document_describes_the_hsds_endpoints_without_security(db):
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/hsds/", "/api/v1/hsds/services", "/api/v1/hsds/services/{id}"):
        operation = schema["paths"][path]["get"]
        assert "security" not in operation or operation["security"] == [], path
    parameters = {p["name"] for p in schema["paths"]["/api/v1/hsds/services"]["get"]["parameters"]}
    assert {
        "page",
        "per_page",
        "search",
        "organization_id",
        "modified_after",
        "need",
        "county",
        "language",
    } <= parameters
    assert "HsdsServiceOut" in schema["components"]["schemas"]


def test_a_page_far_past_the_end_is_refused_or_empty_not_an_error(db):
    """Found by the API fuzzing: ?page=73226864855803800791539770904973148160 was a 500."""
    from django.test import Client

    huge = Client().get("/api/v1/hsds/services", {"page": 10**38})
    assert huge.status_code == 422
    assert "page" in str(huge.json()["extra"]["fields"])
    beyond = Client().get("/api/v1/hsds/services", {"page": 1_000_000})
    assert beyond.status_code == 200
    assert beyond.json()["contents"] == []


def test_modified_after_with_any_iso_offset_is_compared_in_utc(db):
    """Found by the API fuzzing on PostgreSQL: an offset of +23:44 (valid ISO 8601, beyond
    PostgreSQL's 15:59) was a 500."""
    from django.test import Client

    response = Client().get("/api/v1/hsds/services", {"modified_after": "2021-12-04T19:48+23:44"})
    assert response.status_code == 200


def test_head_answers_as_get_with_its_headers_and_no_body(directory):
    """RFC 9110 9.3.2: wherever GET answers, HEAD does, with the same status and headers."""
    service = Service.objects.order_by("name").first()
    for path, status in (
        (LIST + "?per_page=5", 200),
        (f"{LIST}/{service.pk}", 200),
        (f"{LIST}/no-such-service", 404),
        (LIST + "?need=nonsense", 422),
    ):
        get = Client().get(path)
        head = Client().head(path)
        assert head.status_code == get.status_code == status, path
        assert head.content == b""
        assert head["Content-Type"] == get["Content-Type"]
        assert head["Content-Length"] == str(len(get.content)), path


@pytest.mark.parametrize(
    "modified_after",
    [
        "2026-11-27T10:00:00 01:00",  # a raw + in the query string, decoded as a space
        "2026-11-27",  # a date alone
        "1700000000",  # Unix time
    ],
)
def test_an_unreadable_modified_after_is_refused_naming_it_and_the_cure(db, modified_after):
    from pont.directory.schemas import MODIFIED_AFTER_NOT_A_DATE_TIME

    refused = Client().get(LIST, {"modified_after": modified_after})
    assert refused.status_code == 422
    assert refused.json()["extra"] == {
        "fields": {"modified_after": [str(MODIFIED_AFTER_NOT_A_DATE_TIME)]}
    }
    assert "%2B" in str(MODIFIED_AFTER_NOT_A_DATE_TIME)
    sent_right = Client().get(LIST, {"modified_after": "2026-11-27T10:00:00+01:00"})
    assert sent_right.status_code == 200
