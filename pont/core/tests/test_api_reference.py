"""The API reference page: the OpenAPI document read out, all of it, in Pont's own page."""

import pytest
from django.conf import settings
from django.utils import translation

from config.api import api
from pont.core.api_reference import describe, prose, reference
from pont.testing.personas import CUSTODY, PROV_A

DOCS = "/api/v1/docs"


@pytest.mark.parametrize(
    ("schema", "text", "shape"),
    [
        ({"$ref": "#/components/schemas/ReferralOut"}, "ReferralOut", "ReferralOut"),
        ({"type": "string", "format": "date-time"}, "string (date-time)", ""),
        (
            {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]},
            "string (uuid) or null",
            "",
        ),
        (
            {"anyOf": [{"$ref": "#/components/schemas/ServiceOut"}, {"type": "null"}]},
            "ServiceOut or null",
            "ServiceOut",
        ),
        ({"enum": ["phone", "text"], "type": "string"}, "one of: phone, text", ""),
        (
            {"type": "array", "items": {"$ref": "#/components/schemas/AppointmentOut"}},
            "array of AppointmentOut",
            "AppointmentOut",
        ),
        ({"type": "integer", "minimum": 1, "maximum": 100}, "integer from 1 to 100", ""),
        ({"type": "string", "maxLength": 2000}, "string, at most 2000 characters", ""),
        ({}, "any value", ""),
    ],
)
def test_a_type_is_told_in_words_and_links_the_shape_it_names(schema, text, shape):  # noqa: ANN001
    with translation.override("en"):
        told = describe(schema)
    assert (told.text, told.shape) == (text, shape)


def test_a_description_s_code_spans_are_shown_as_code_and_the_rest_escaped():
    assert prose("Send `If-Match: <etag>` or <b>not</b>") == (
        "Send <code>If-Match: &lt;etag&gt;</code> or &lt;b&gt;not&lt;/b&gt;"
    )
    assert prose("no code") == "no code"


def test_a_type_is_told_in_welsh_too():
    with translation.override("cy"):
        assert describe({"type": "array", "items": {"type": "string"}}).text == "arae o string"


def test_every_operation_and_every_shape_of_the_document_is_on_the_page():
    document = api.get_openapi_schema(path_params={})
    page = reference(document)
    shown = {(op.method, op.path) for _tag, ops in page["groups"] for op in ops}
    documented = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert shown == documented
    assert [shape.name for shape in page["shapes"]] == list(document["components"]["schemas"])
    # What an operation says: its parameters and headers, its body, its answers.
    (patch,) = [
        op
        for _tag, ops in page["groups"]
        for op in ops
        if (op.method, op.path) == ("PATCH", "/api/v1/referrals/{referral_id}")
    ]
    assert {(p.name, p.where, p.required) for p in patch.parameters} >= {
        ("referral_id", "path", True),
        ("If-Match", "header", True),
    }
    assert patch.body is not None
    assert patch.body.shape == "ReferralPatchIn"
    answers = {answer.status: answer for answer in patch.answers}
    assert answers["200"].type is not None
    assert answers["200"].type.shape == "ReferralOut"
    assert [header.name for header in answers["200"].headers] == ["ETag"]
    assert answers["412"].type is not None
    assert answers["412"].type.shape == "ErrorOut"
    assert patch.needs_key
    attempts = next(shape for shape in page["shapes"] if shape.name == "ContactAttemptIn")
    assert {(f.name, f.required) for f in attempts.fields} == {
        ("method", True),
        ("attempted_at", True),
        ("result", True),
        ("note", False),
    }
    assert '"method": "phone"' in attempts.examples[0]


def test_the_page_shows_each_operation_to_signed_in_staff(world, as_persona):
    page = as_persona(PROV_A).get(DOCS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1" in html
    assert "API reference" in html
    assert 'href="/api/v1/openapi.json"' in html
    assert "<code>Authorization: Bearer &lt;key&gt;</code>" in html  # from the API's description
    assert 'id="pont_referrals_api_update_referral"' in html
    assert "GET /api/v1/referrals/{referral_id}" in html
    assert "Change a referral&#x27;s status (needs If-Match)" in html
    assert 'href="#shape-ReferralOut"' in html
    assert 'id="shape-ReferralOut"' in html
    assert "Swagger" not in html
    assert "swagger-ui" not in html


def test_the_page_is_in_welsh_with_the_api_s_own_words_marked_english(world, as_persona):
    client = as_persona(CUSTODY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    html = client.get(DOCS).content.decode()
    assert 'lang="cy"' in html
    assert "Cyfeirlyfr yr API" in html
    assert "Mae disgrifiadau'r API ei hun yn Saesneg." in html.replace("&#x27;", "'")
    assert '<p class="govuk-body-l" lang="en">Change a referral' in html
