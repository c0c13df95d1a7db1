"""The officers' search and service page, and the public bilingual list."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pont.audit.models import AuditEvent
from pont.directory.models import Service
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, PANEL, PROV_B

from .conftest import import_samples

SEARCH = reverse("directory:search")
PUBLIC = reverse("directory:public_list")


@pytest.fixture
def directory(demo_directory):
    import_samples("service.json", "organization.json", "page.json")


def _found(response):
    assert response.status_code == 200
    html = response.content.decode()
    return sorted(
        unescape(re.sub(r"<[^>]+>", "", title)).strip()
        for title in re.findall(r'<h3 class="govuk-summary-card__title">(.*?)</h3>', html, re.S)
    )


def test_with_no_search_every_open_or_temporarily_closed_service_is_listed(directory, as_persona):
    names = _found(as_persona(CUSTODY).get(SEARCH))
    assert "Pembrokeshire tenancy support" in names  # temporarily closed: shown, tagged
    assert "Young carers group" not in names  # inactive
    assert len(names) == Service.objects.filter(status__in=["active", "temporarily closed"]).count()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"need": ["young_people"]}, ["Young people's drug and alcohol service"]),
        # Every need ticked must be met, not any one of them.
        (
            {"need": ["drugs", "criminal_justice"]},
            ["Arrest referral and Required Assessment", "Powys drug and alcohol service"],
        ),
        (
            {"need": ["housing"]},
            ["Housing options and homelessness advice", "Pembrokeshire tenancy support"],
        ),
        ({"county": "powys"}, ["Family support", "Powys drug and alcohol service"]),
        (
            {"county": "powys", "language": "cy"},
            [],
        ),
        (
            {"language": "cy", "need": ["alcohol"], "county": "carmarthenshire"},
            [
                "Adult drug and alcohol service",
                "Community drug and alcohol team",
                "Llanelli recovery hub",
            ],
        ),
        (
            {"q": "naloxone"},
            ["Adult drug and alcohol service", "Harm reduction drop-in, Haverfordwest"],
        ),
        ({"q": "tenantiaeth"}, ["Housing options and homelessness advice"]),  # Welsh text too
        ({"q": "Kaleidoscope"}, ["Powys drug and alcohol service"]),  # the organisation's name
        ({"q": "Cyngor Sir Penfro"}, ["Young people's drug and alcohol service"]),  # in Welsh
        ({"q": "Newtown"}, ["Powys drug and alcohol service"]),  # the town it is delivered in
        ({"q": "SA61"}, ["Harm reduction drop-in, Haverfordwest"]),  # its postcode
        (
            {"q": "DDAS"},  # a place's name
            ["Adult drug and alcohol service", "Arrest referral and Required Assessment"],
        ),
    ],
)
def test_officers_search_by_need_county_language_and_words(directory, as_persona, query, expected):
    assert _found(as_persona(CUSTODY).get(SEARCH, query)) == expected


def test_each_result_says_what_an_officer_needs_to_refer(directory, as_persona):
    html = as_persona(CUSTODY).get(SEARCH, {"q": "Llanelli recovery"}).content.decode()
    for text in (
        "Recovery Cymru (example)",
        "Adults in recovery from drug or alcohol use.",
        "18 and over",
        "Carmarthenshire, Pembrokeshire",
        "Welsh, English",
        "Monday to Friday, 10:00 to 16:00",
        "Saturday, 10:00 to 12:30 (Family morning)",
        '<a class="govuk-link" href="tel:02920180901">029 2018 0901</a> extension 12 (Hub desk)',
        "Call in, phone, or ask an officer to refer you through Pont.",
        "Takes referrals through Pont",
        "Drugs",
    ):
        assert text in html, text


def test_a_service_that_takes_referrals_through_pont_says_so(world, as_persona):
    from pont.directory import services

    organization = services.directory_organization_create(
        actor=None, name="Provider A directory", pont_organisation=world.provider_a
    )
    service = services.service_create(
        actor=None, organization=organization, name="Referral service", accepts_referrals=True
    )
    html = as_persona(CUSTODY).get(service.get_absolute_url()).content.decode()
    assert "This service takes referrals through Pont. Provider A sees a referral" in html
    assert 'govuk-tag--green">Yes<' in html


def test_a_search_that_is_not_valid_shows_the_error_summary(directory, as_persona):
    response = as_persona(CUSTODY).get(SEARCH, {"county": "gwynedd"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_county"' in html
    # It says what to do, in words, and lists nothing (not every service, as if it matched).
    assert "Select a county from the list" in html
    assert "is not one of the available choices" not in html
    assert _found(response) == []


def test_a_public_filter_that_is_not_one_of_the_choices_says_so_and_lists_nothing(directory):
    response = Client().get(PUBLIC, {"need": "<b>x</b>", "county": "ceredigion"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select what you need help with from the list" in html
    assert _found(response) == []
    assert "<b>x</b>" not in html


def test_a_services_phone_email_and_website_can_be_used_from_the_page(directory, as_persona):
    service = Service.objects.filter(status="active", phones__isnull=False).first()
    phone = service.phones.first()
    email = service.email or service.organization.email
    website = service.url or service.organization.website
    assert email
    assert website
    for html in (
        Client().get(PUBLIC).content.decode(),
        as_persona(CUSTODY).get(service.get_absolute_url()).content.decode(),
    ):
        assert f'href="tel:{phone.number.replace(" ", "")}"' in html
        assert f'href="mailto:{email}"' in html
        assert f'href="{website}"' in html


def test_searches_are_not_audited_the_directory_holds_no_personal_data(directory, as_persona):
    before = AuditEvent.objects.count()
    as_persona(CUSTODY).get(SEARCH, {"need": ["drugs"]})
    assert AuditEvent.objects.count() == before


def test_any_staff_role_may_search_even_without_personal_data_capabilities(directory, as_persona):
    assert as_persona(PANEL).get(SEARCH).status_code == 200
    assert as_persona(PROV_B).get(SEARCH).status_code == 200


def test_a_search_can_be_paged(directory, as_persona, monkeypatch):
    from pont.directory import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = as_persona(CUSTODY)
    first = client.get(SEARCH, {"need": ["alcohol"]})
    assert len(_found(first)) == 2
    assert "Page 1 of 3" in first.content.decode()
    assert "need=alcohol&amp;page=2" in first.content.decode()
    third = client.get(SEARCH, {"need": ["alcohol"], "page": 3})
    assert len(_found(third)) == 2
    assert "Page 3 of 3" in third.content.decode()


def test_the_service_page_shows_any_service_with_its_status(directory, as_persona):
    carers = Service.objects.get(name="Young carers group")
    html = as_persona(CUSTODY).get(carers.get_absolute_url()).content.decode()
    assert "Young carers group" in html
    assert "This service is not open at the moment (Inactive)." in html
    assert html.count("<h1") == 1


def test_an_unknown_service_is_404(db, as_persona):
    url = reverse("directory:service", args=["5e7a1c00-0000-4000-8000-0000000000ff"])
    assert as_persona(CUSTODY).get(url).status_code == 404


def test_the_public_list_needs_no_sign_in_and_shows_only_active_services(directory):
    names = _found(Client().get(PUBLIC))
    assert "Adult drug and alcohol service" in names
    assert "Pembrokeshire tenancy support" not in names  # temporarily closed
    assert "Harm reduction drop-in, Haverfordwest" not in names
    assert "Young carers group" not in names  # inactive
    assert len(names) == Service.objects.filter(status="active").count()


def test_the_public_list_filters_by_need_and_county(directory):
    names = _found(Client().get(PUBLIC, {"need": "housing", "county": "ceredigion"}))
    assert names == ["Housing options and homelessness advice"]


def test_the_public_list_leaves_out_what_only_officers_need(directory):
    html = Client().get(PUBLIC).content.decode()
    assert "Takes referrals through Pont" not in html
    assert "How to get help" in html
    assert "call 999" in html


def test_the_public_list_is_in_welsh_after_the_language_switch(directory):
    client = Client(enforce_csrf_checks=True)
    response = post_form(client, reverse("set_language"), {"language": "cy", "next": PUBLIC})
    assert response.status_code == 302
    page = client.get(PUBLIC)
    html = page.content.decode()
    assert page["Content-Language"] == "cy"
    assert '<html lang="cy"' in html
    names = _found(page)
    assert "Gwasanaeth cyffuriau ac alcohol i oedolion" in names
    assert "Adult drug and alcohol service" not in names
    assert "Oedolion 18 oed a hŷn sy&#x27;n byw yn Sir Gaerfyrddin" in html
    assert "Cyffuriau" in html  # the need's Welsh label
    assert "Cymraeg" in html  # the language's name in Welsh
    # A service with no Welsh name keeps its English one rather than showing nothing.
    assert "Family support" in names
    # The organisation that runs it, by its Welsh name (HSDS alternate_name) when it has one.
    assert "Gwasanaeth Cyffuriau ac Alcohol Dyfed" in html
    assert "Dyfed Drug and Alcohol Service" not in html
    # And the places it is delivered at, by theirs (HSDS alternate_name of a location).
    assert "CDAT Caerfyrddin" in html
    assert "CDAT Carmarthen" not in html


def test_the_public_list_is_in_english_by_default(directory):
    with translation.override("en"):
        html = Client().get(PUBLIC).content.decode()
    assert '<html lang="en"' in html
    assert "Adult drug and alcohol service" in html
    assert "Gwasanaeth cyffuriau ac alcohol i oedolion" not in html


@pytest.mark.parametrize("url", [SEARCH, PUBLIC, "service"])
def test_pages_have_one_h1_labelled_fields_and_no_inline_script_or_style(
    directory, as_persona, url
):
    if url == "service":
        url = Service.objects.get(name="Llanelli recovery hub").get_absolute_url()
    html = as_persona(CUSTODY).get(url).content.decode()
    assert html.count("<h1") == 1
    for snippet in ("<script>", " style=", "<style", "onclick="):
        assert snippet not in html
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
    assert 'method="post"' not in html.split("<main")[1]  # searches are GETs


def test_the_navigation_offers_services_to_every_signed_in_role(world, as_persona):
    for persona in (CUSTODY, PANEL, PROV_B):
        nav = as_persona(persona).get("/").content.decode().split('id="navigation"')[1]
        assert ">Services<" in nav.split("</ul>")[0]


def test_needs_are_checkboxes_so_that_several_can_be_ticked_and_stay_ticked(directory, as_persona):
    html = as_persona(CUSTODY).get(SEARCH, {"need": ["drugs", "alcohol"]}).content.decode()
    boxes = re.findall(r'<input class="govuk-checkboxes__input"[^>]*name="need"[^>]*>', html)
    assert len(boxes) == 8
    assert all('type="checkbox"' in box for box in boxes)
    ticked = sorted(re.search(r'value="(\w+)"', b).group(1) for b in boxes if " checked" in b)
    assert ticked == ["alcohol", "drugs"]
    assert 'type="radio"' not in html


def test_a_phones_and_an_opening_times_note_are_in_the_readers_language(demo_directory):
    english = Client().get(PUBLIC).content.decode()
    assert "(Self-referral and advice)" in english
    assert "(Late clinic)" in english
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    welsh = client.get(PUBLIC).content.decode()
    assert "(Hunanatgyfeirio a chyngor)" in welsh
    assert "(Clinig hwyr)" in welsh
    assert "Self-referral and advice" not in welsh
    assert "Late clinic" not in welsh
