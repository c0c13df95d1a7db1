"""The system administrator's reference data pages: every version listed, add a version, end one."""

import re
from collections import Counter
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from pont.accounts.reference_forms import POSITION_INVALID
from pont.accounts.reference_services import (
    CODE_INVALID,
    END_BEFORE_START,
    LABEL_EN_REQUIRED,
    START_NOT_AFTER_LATEST,
    START_TOO_EARLY,
    reference_row_add,
)
from pont.audit.models import AuditEvent
from pont.core.reference import reference_tables
from pont.directory.models import NeedCategory
from pont.referrals.models import ClosureReason
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, DPO, PROV_A_MGR, SYSADMIN

pytestmark = pytest.mark.django_db

LIST = reverse("reference:list")
NEEDS = reverse("reference:table", kwargs={"table": "directory.needcategory"})
ADD_NEED = reverse("reference:add", kwargs={"table": "directory.needcategory"})
REGISTERED = {
    "referrals.closurereason",
    "referrals.referralsla",
    "directory.needcategory",
    "drug_testing.triggeroffence",
    "drug_testing.testedsubstance",
    "drug_testing.drugtestingrule",
}


def _table(label):
    return reverse("reference:table", kwargs={"table": label})


def _add_url(label):
    return reverse("reference:add", kwargs={"table": label})


def _end_url(row):
    return reverse("reference:end", kwargs={"table": row._meta.label_lower, "row_id": row.pk})


def _date(name, day):
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def _text(response):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _need(world, code="naloxone", effective_from=date(2024, 1, 1), **overrides):
    values = {
        "label_en": "Naloxone",
        "label_cy": "Nalocson",
        "source": "Local guidance",
        "sort_order": 5,
        **overrides,
    }
    return reference_row_add(
        actor=world.users[SYSADMIN],
        model=NeedCategory,
        code=code,
        effective_from=effective_from,
        **values,
    )


def _error_links(response):
    return re.findall(
        r'<div class="govuk-error-summary.*?</div>\s*</div>', response.content.decode(), re.S
    )


def test_the_six_tables_are_registered_with_the_fields_an_administrator_may_set():
    tables = {table.label: table.editable_fields for table in reference_tables()}

    assert set(tables) >= REGISTERED
    assert tables["referrals.closurereason"] == ("planned", "needs_treatment_start")
    assert tables["referrals.referralsla"] == ("working_days",)
    assert tables["drug_testing.triggeroffence"] == ("act", "section", "class_a_only")
    assert tables["drug_testing.drugtestingrule"] == ("value",)
    assert tables["directory.needcategory"] == ()
    assert tables["drug_testing.testedsubstance"] == ()


def test_the_list_links_every_registered_table(as_persona):
    response = as_persona(SYSADMIN).get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    for label in REGISTERED:
        assert f'href="{_table(label)}"' in html
    assert "Trigger offences" in _text(response)


def test_the_menu_offers_reference_data_to_the_system_administrator_only(as_persona):
    assert f'href="{LIST}"' in as_persona(SYSADMIN).get(reverse("core:home")).content.decode()
    assert f'href="{LIST}"' not in as_persona(CUSTODY).get(reverse("core:home")).content.decode()


def test_a_table_lists_every_version_with_its_dates_source_and_own_fields(world, as_persona):
    _need(world, effective_from=date(2024, 1, 1), label_en="Naloxone (old wording)")
    _need(world, effective_from=date(2024, 4, 1), label_en="Naloxone and harm reduction")

    text = _text(as_persona(SYSADMIN).get(NEEDS))

    assert "1 Jan 2024 to 31 Mar 2024" in text
    assert "Naloxone (old wording)" in text
    assert "From 1 Apr 2024, no end date" in text
    assert "Naloxone and harm reduction" in text
    assert "Local guidance" in text

    offences = _text(as_persona(SYSADMIN).get(_table("drug_testing.triggeroffence")))
    assert "Theft Act 1968" in offences  # the table's own fields: act and section
    assert "s.12A" in offences


def test_an_impossible_start_is_named_not_a_server_error(as_persona):
    response = post_form(
        as_persona(SYSADMIN),
        ADD_NEED,
        {
            "code": "naloxone",
            "label_en": "N",
            "label_cy": "N",
            "source": "x",
            "sort_order": "0",
            # A four-digit year that the day before cannot be taken from.
            "effective_from_0": "1",
            "effective_from_1": "1",
            "effective_from_2": "0001",
        },
    )

    assert response.status_code == 400
    assert f'<a href="#id_effective_from_0">{START_TOO_EARLY}</a>' in "".join(
        _error_links(response)
    )
    assert not NeedCategory.objects.filter(code="naloxone").exists()


def test_only_the_system_administrator_sees_the_pages(world, as_persona):
    row = _need(world)
    for persona in (CUSTODY, DPO, PROV_A_MGR):
        client = as_persona(persona)
        assert client.get(LIST).status_code == 403
        assert client.get(NEEDS).status_code == 403
        assert client.get(ADD_NEED).status_code == 403
        response = post_form(
            client, _end_url(row), _date(f"end-{row.pk}-effective_to", timezone.localdate())
        )
        assert response.status_code == 403
    row.refresh_from_db()
    assert row.effective_to is None


def test_a_table_that_is_not_registered_is_not_found(as_persona):
    client = as_persona(SYSADMIN)

    assert client.get(_table("accounts.user")).status_code == 404
    assert client.get(_add_url("reference_app.examplecode")).status_code == 404


def test_the_add_form_enters_each_extra_field_by_its_type(as_persona):
    client = as_persona(SYSADMIN)

    reasons = client.get(_add_url("referrals.closurereason")).content.decode()
    assert re.search(
        r'<input class="govuk-checkboxes__input" id="id_planned" name="planned" type="checkbox"',
        reasons,
    )
    for part in ("effective_from_0", "effective_from_1", "effective_from_2"):
        assert f'name="{part}"' in reasons

    limits = client.get(_add_url("referrals.referralsla")).content.decode()
    assert re.search(
        r'<input class="govuk-input[^"]*" id="id_working_days" name="working_days" '
        r'type="text"[^>]*inputmode="numeric"',
        limits,
    )

    offences = client.get(_add_url("drug_testing.triggeroffence")).content.decode()
    assert re.search(r'id="id_act" name="act" type="text"', offences)
    assert re.search(r'id="id_section" name="section" type="text"', offences)
    assert 'id="id_class_a_only" name="class_a_only" type="checkbox"' in offences


def test_adding_a_version_through_the_form_ends_the_old_one_the_day_before(world, as_persona):
    old = ClosureReason.objects.current().get(code="closed_at_centre")
    starts = timezone.localdate() + timedelta(days=10)

    response = post_form(
        as_persona(SYSADMIN),
        _add_url("referrals.closurereason"),
        {
            "code": "closed_at_centre",
            "label_en": "Closed by the service",
            "label_cy": "Wedi'i gau gan y gwasanaeth",
            **_date("effective_from", starts),
            "source": "WNDSM data dictionary 2026",
            "sort_order": "60",
            "planned": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == _table("referrals.closurereason") + "#code-closed_at_centre"
    old.refresh_from_db()
    assert old.effective_to == starts - timedelta(days=1)
    new = ClosureReason.objects.get(code="closed_at_centre", effective_from=starts)
    assert (new.label_en, new.label_cy, new.planned, new.sort_order) == (
        "Closed by the service",
        "Wedi'i gau gan y gwasanaeth",
        True,
        60,
    )
    assert AuditEvent.objects.filter(
        operation="collection", object_type="referrals.closurereason", object_id=str(new.pk)
    ).exists()


def test_the_form_starts_from_the_latest_version_of_a_code(world, as_persona):
    _need(world, label_en="Naloxone kits", sort_order=7)

    html = as_persona(SYSADMIN).get(ADD_NEED, {"code": "naloxone"}).content.decode()

    assert 'name="code" type="text" value="naloxone"' in html
    assert 'value="Naloxone kits"' in html
    assert 'name="sort_order" type="text" value="7"' in html


def test_an_incomplete_form_is_shown_again_with_each_problem_linked_to_its_field(world, as_persona):
    _need(world, effective_from=date(2024, 4, 1))
    client = as_persona(SYSADMIN)

    response = post_form(
        client,
        ADD_NEED,
        {
            "code": "naloxone",
            "label_cy": "Nalocson",
            "source": "x",
            "sort_order": "0",
            **_date("effective_from", date(2024, 4, 1)),
        },
    )

    assert response.status_code == 400
    summary = "".join(_error_links(response))
    assert f'<a href="#id_label_en">{LABEL_EN_REQUIRED}</a>' in summary
    assert NeedCategory.objects.filter(code="naloxone").count() == 1

    # The service's refusal lands on the date, linked to its day box.
    response = post_form(
        client,
        ADD_NEED,
        {
            "code": "naloxone",
            "label_en": "N",
            "label_cy": "N",
            "source": "x",
            "sort_order": "0",
            **_date("effective_from", date(2024, 4, 1)),
        },
    )
    assert response.status_code == 400
    message = str(START_NOT_AFTER_LATEST) % {"code": "naloxone", "date": "1 April 2024"}
    assert f'<a href="#id_effective_from_0">{message}</a>' in unescape(
        "".join(_error_links(response))
    )
    assert "<title>Error:" in response.content.decode()


def test_each_row_form_has_its_own_element_ids(world, as_persona):
    for code in ("naloxone", "gambling"):
        _need(world, code=code)

    html = as_persona(SYSADMIN).get(NEEDS).content.decode()

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    for code in ("naloxone", "gambling"):
        row = NeedCategory.objects.get(code=code)
        assert f'id="id_end-{row.pk}-effective_to_0"' in html
        assert f'action="{_end_url(row)}"' in html


def test_ending_an_entry_through_its_form(world, as_persona):
    row = _need(world)
    ends = timezone.localdate() + timedelta(days=30)

    response = post_form(
        as_persona(SYSADMIN), _end_url(row), _date(f"end-{row.pk}-effective_to", ends)
    )

    assert response.status_code == 302
    assert response["Location"] == NEEDS + "#code-naloxone"
    row.refresh_from_db()
    assert row.effective_to == ends


def test_an_end_before_the_start_is_shown_on_that_rows_form(world, as_persona):
    row = _need(world, effective_from=date(2024, 4, 1))
    other = _need(world, code="gambling")

    response = post_form(
        as_persona(SYSADMIN), _end_url(row), _date(f"end-{row.pk}-effective_to", date(2024, 3, 1))
    )

    assert response.status_code == 400
    message = str(END_BEFORE_START) % {"date": "1 April 2024"}
    html = unescape(response.content.decode())
    assert f'<a href="#id_end-{row.pk}-effective_to_0">{message}</a>' in html
    assert f'id="id_end-{row.pk}-effective_to-error"' in html
    assert f'id="id_end-{other.pk}-effective_to-error"' not in html
    row.refresh_from_db()
    assert row.effective_to is None


def test_an_empty_end_form_asks_for_the_date(world, as_persona):
    row = _need(world)

    response = post_form(as_persona(SYSADMIN), _end_url(row), {})

    assert response.status_code == 400
    assert "Enter the date the entry ends" in _text(response)


def test_ending_a_row_that_does_not_exist_is_not_found(as_persona):
    url = reverse("reference:end", kwargs={"table": "referrals.closurereason", "row_id": 999_999})

    response = post_form(
        as_persona(SYSADMIN), url, _date("end-999999-effective_to", timezone.localdate())
    )

    assert response.status_code == 404


def test_a_code_with_spaces_and_a_negative_position_are_named_before_anything_is_saved(
    world, as_persona
):
    response = post_form(
        as_persona(SYSADMIN),
        ADD_NEED,
        {
            "code": "two words",
            "label_en": "Two",
            "label_cy": "Dau",
            "source": "x",
            "sort_order": "-1",
            **_date("effective_from", date(2024, 4, 1)),
        },
    )

    assert response.status_code == 400
    summary = unescape("".join(_error_links(response)))
    assert f'<a href="#id_code">{CODE_INVALID}</a>' in summary
    assert f'<a href="#id_sort_order">{POSITION_INVALID}</a>' in summary
    assert not NeedCategory.objects.filter(label_en="Two").exists()


def test_a_choice_is_shown_by_its_label_in_the_readers_language(world, as_persona):
    """The disposal schemes and condition types (loaded by the migrations) keep codes:
    "npcc_2017", "rehabilitative,reparative"; the page shows what they mean."""
    from django.conf import settings

    schemes = _text(as_persona(SYSADMIN).get(_table("disposals.disposalscheme")))
    assert "Two-tier framework (NPCC, non-statutory)" in schemes
    assert "npcc_2017" not in schemes
    assert "Rehabilitative, Reparative" in schemes or "Reparative, Rehabilitative" in schemes
    assert "rehabilitative,reparative" not in schemes
    kinds = _text(as_persona(SYSADMIN).get(_table("disposals.conditiontype")))
    assert " reparative " not in kinds
    welsh = as_persona(SYSADMIN)
    welsh.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    assert "Two-tier framework (NPCC" not in _text(welsh.get(_table("disposals.disposalscheme")))


def _withdraw_url(row):
    return reverse("reference:withdraw", kwargs={"table": row._meta.label_lower, "row_id": row.pk})


def test_a_version_not_yet_in_force_is_withdrawn_from_its_page(world, as_persona):
    """The table offers it; the page says what happens to the version before; the button
    withdraws it and comes back to the code."""
    current = _need(world)
    soon = timezone.localdate() + timedelta(days=14)
    later = _need(world, effective_from=soon, label_en="Naloxone, revised")
    client = as_persona(SYSADMIN)
    assert _withdraw_url(later) in client.get(NEEDS).content.decode()
    page = client.get(_withdraw_url(later))
    assert page.status_code == 200
    text = _text(page)
    assert f"Withdraw the version of naloxone from {soon:%-d %B %Y}" in text
    assert "Naloxone, revised" in text
    assert "The version from 1 January 2024 stays in force instead, with no end date" in text
    response = post_form(client, _withdraw_url(later), {})
    assert response.status_code == 302
    assert response["Location"] == NEEDS + "#code-naloxone"
    assert f"The version of naloxone from {soon:%-d %B %Y} is withdrawn." in _text(
        client.get(response["Location"])
    )
    assert not NeedCategory.objects.filter(pk=later.pk).exists()
    current.refresh_from_db()
    assert current.effective_to is None
    assert _withdraw_url(current) not in client.get(NEEDS).content.decode()  # in force


def test_a_version_in_force_is_not_withdrawn_and_the_page_says_why(world, as_persona):
    row = _need(world)
    client = as_persona(SYSADMIN)
    page = client.get(_withdraw_url(row))
    assert page.status_code == 409
    assert "This version cannot be withdrawn" in _text(page)
    assert "came into force on 1 January 2024" in _text(page)
    assert 'type="submit"' not in page.content.decode().split("<main", 1)[1]
    refused = post_form(client, _withdraw_url(row), {})
    assert refused.status_code == 409
    assert NeedCategory.objects.filter(pk=row.pk).exists()


def test_withdrawing_is_for_the_system_administrator_only(world, as_persona):
    later = _need(world, effective_from=timezone.localdate() + timedelta(days=3))
    for persona in (CUSTODY, DPO, PROV_A_MGR):
        assert as_persona(persona).get(_withdraw_url(later)).status_code == 403
        assert post_form(as_persona(persona), _withdraw_url(later), {}).status_code == 403
    assert NeedCategory.objects.filter(pk=later.pk).exists()
    missing = reverse(
        "reference:withdraw", kwargs={"table": "directory.needcategory", "row_id": 999_999}
    )
    assert as_persona(SYSADMIN).get(missing).status_code == 404
