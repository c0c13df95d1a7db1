"""Changing dated reference data: new versions end the old the day before, history stays put."""

from datetime import date, timedelta

import pytest

from pont.accounts.reference_services import (
    ALREADY_ENDS,
    CODE_INVALID,
    CODE_REQUIRED,
    END_BEFORE_START,
    END_REQUIRED,
    LABEL_CY_REQUIRED,
    LABEL_EN_REQUIRED,
    LATER_VERSION_EXISTS,
    NOT_EDITABLE,
    NUMBER_OUT_OF_RANGE,
    SOURCE_REQUIRED,
    START_NOT_AFTER_LATEST,
    START_REQUIRED,
    START_TOO_EARLY,
    reference_row_add,
    reference_row_end,
    reference_row_withdraw,
)
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError
from pont.core.tests.reference_app.models import ExampleCode
from pont.directory.models import NeedCategory
from pont.drug_testing.models import DrugTestingRule, TriggerOffence
from pont.referrals.models import ClosureReason, ReferralSla
from pont.testing.personas import SIGNED_IN, SYSADMIN

pytestmark = pytest.mark.django_db

JAN = date(2024, 1, 1)
APR = date(2024, 4, 1)
JUL = date(2024, 7, 1)


@pytest.fixture
def admin(world):
    return world.users[SYSADMIN]


def _add(actor, model=NeedCategory, code="naloxone", effective_from=JAN, **overrides):
    values = {
        "label_en": f"{code} ({effective_from})",
        "label_cy": f"{code} ({effective_from}) yn Gymraeg",
        "source": "Local guidance",
        "sort_order": 5,
        **overrides,
    }
    return reference_row_add(
        actor=actor, model=model, code=code, effective_from=effective_from, **values
    )


def _fields(excinfo):
    return excinfo.value.extra["fields"]


def _events():
    return list(AuditEvent.objects.order_by("sequence"))


def _assert_no_overlaps(model, code):
    rows = list(model.objects.filter(code=code).order_by("effective_from"))
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert earlier.effective_to is not None
        assert earlier.effective_to < later.effective_from


# Adding versions


def test_a_new_version_ends_the_version_in_force_the_day_before(admin):
    first = _add(admin, effective_from=JAN)

    second = _add(admin, effective_from=APR, label_en="Naloxone and harm reduction")

    first.refresh_from_db()
    assert first.effective_to == date(2024, 3, 31)
    assert second.effective_from == APR
    assert second.effective_to is None
    assert second.label_en == "Naloxone and harm reduction"


def test_old_records_keep_the_wording_of_their_day(admin):
    old = _add(admin, effective_from=JAN, label_en="Old wording")
    new = _add(admin, effective_from=APR, label_en="New wording")

    in_force = NeedCategory.objects.filter(code="naloxone")
    assert list(in_force.effective_on(date(2024, 3, 31))) == [old]
    assert list(in_force.effective_on(APR)) == [new]
    assert list(in_force.effective_on(date(2030, 1, 1))) == [new]
    old.refresh_from_db()
    assert old.label_en == "Old wording"  # its words were not rewritten


def test_periods_of_a_code_never_overlap_however_versions_are_added(admin):
    _add(admin, effective_from=JAN)
    _add(admin, effective_from=APR)
    _add(admin, effective_from=APR + timedelta(days=1))  # a version in force for a single day
    _add(admin, effective_from=JUL)

    _assert_no_overlaps(NeedCategory, "naloxone")
    for day in (JAN, APR, APR + timedelta(days=1), JUL, date(2024, 12, 31)):
        assert NeedCategory.objects.filter(code="naloxone").effective_on(day).count() == 1


def test_a_version_with_a_scheduled_end_is_ended_the_day_before_the_new_one(admin):
    first = _add(admin, effective_from=JAN)
    reference_row_end(actor=admin, model=NeedCategory, pk=first.pk, effective_to=date(2024, 12, 31))

    _add(admin, effective_from=JUL)

    first.refresh_from_db()
    assert first.effective_to == date(2024, 6, 30)
    _assert_no_overlaps(NeedCategory, "naloxone")


def test_a_retired_code_can_come_back_without_touching_its_past(admin):
    first = _add(admin, effective_from=JAN)
    reference_row_end(actor=admin, model=NeedCategory, pk=first.pk, effective_to=date(2024, 2, 29))

    _add(admin, effective_from=JUL)

    first.refresh_from_db()
    assert first.effective_to == date(2024, 2, 29)
    assert not NeedCategory.objects.filter(code="naloxone").effective_on(APR).exists()


def test_a_new_code_starts_without_ending_any_other(admin):
    before = set(NeedCategory.objects.current().values_list("pk", flat=True))

    row = _add(admin, code="gambling", effective_from=JAN)

    assert set(NeedCategory.objects.current().values_list("pk", flat=True)) == before | {row.pk}


def test_extra_fields_are_set_and_those_left_out_are_carried_over(admin):
    rule = _add(admin, model=DrugTestingRule, code="test_rule", value=18)
    later = _add(admin, model=DrugTestingRule, code="test_rule", effective_from=APR)

    assert rule.value == 18
    assert later.value == 18
    changed = _add(admin, model=DrugTestingRule, code="test_rule", effective_from=JUL, value=21)
    assert changed.value == 21


def test_a_trigger_offence_takes_its_act_section_and_class_a_flag(admin):
    offence = _add(
        admin,
        model=TriggerOffence,
        code="new_offence",
        act="Example Act 2026",
        section="s.1",
        class_a_only=True,
    )

    offence.refresh_from_db()
    assert (offence.act, offence.section, offence.class_a_only) == ("Example Act 2026", "s.1", True)


# Refusals name the field


def test_a_version_cannot_start_on_or_before_the_latest_version_of_its_code(admin):
    _add(admin, effective_from=APR)
    written = len(_events())

    for day in (APR, JAN):
        with pytest.raises(ApplicationError) as excinfo:
            _add(admin, effective_from=day)
        message = str(START_NOT_AFTER_LATEST) % {"code": "naloxone", "date": "1 April 2024"}
        assert _fields(excinfo) == {"effective_from": [message]}

    assert NeedCategory.objects.filter(code="naloxone").count() == 1
    assert len(_events()) == written


def test_missing_details_are_refused_naming_each_field(admin):
    with pytest.raises(ApplicationError) as excinfo:
        reference_row_add(
            actor=admin,
            model=NeedCategory,
            code=" ",
            label_en="",
            label_cy=" ",
            effective_from=None,
            source="",
            sort_order=0,
        )

    assert _fields(excinfo) == {
        "code": [str(CODE_REQUIRED)],
        "label_en": [str(LABEL_EN_REQUIRED)],
        "label_cy": [str(LABEL_CY_REQUIRED)],
        "source": [str(SOURCE_REQUIRED)],
        "effective_from": [str(START_REQUIRED)],
    }
    assert excinfo.value.status == 400


def test_a_code_with_spaces_is_refused(admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, code="two words")

    assert _fields(excinfo) == {"code": [str(CODE_INVALID)]}


def test_the_models_own_rules_are_checked_and_named(admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ReferralSla, code="new_clock", working_days=-1)
    assert set(_fields(excinfo)) == {"working_days"}

    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ClosureReason, code="new_reason", sort_order=-5)
    assert set(_fields(excinfo)) == {"sort_order"}


def test_a_start_before_1900_is_refused_as_a_typing_mistake(admin):
    # date(1, 1, 1) has no day before it: this once ended in a server error.
    for day in (date(1, 1, 1), date(1899, 12, 31)):
        with pytest.raises(ApplicationError) as excinfo:
            _add(admin, effective_from=day)
        assert _fields(excinfo) == {"effective_from": [str(START_TOO_EARLY)]}
    assert not NeedCategory.objects.filter(code="naloxone").exists()


def test_numbers_are_bounded_alike_on_sqlite_and_postgresql(admin):
    # SQLite would store these; PostgreSQL would not. Both refuse them, naming the field.
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ReferralSla, code="new_clock", working_days=32768)
    assert _fields(excinfo) == {
        "working_days": [str(NUMBER_OUT_OF_RANGE) % {"min": 0, "max": 32767}]
    }

    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, code="new_need", sort_order=2_147_483_648)
    assert _fields(excinfo) == {
        "sort_order": [str(NUMBER_OUT_OF_RANGE) % {"min": 0, "max": 2_147_483_647}]
    }
    assert not NeedCategory.objects.filter(code="new_need").exists()

    row = _add(admin, model=ReferralSla, code="new_clock", working_days=32767)
    assert row.working_days == 32767


def test_a_required_extra_field_of_a_new_code_is_named(admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ReferralSla, code="new_clock")

    assert set(_fields(excinfo)) == {"working_days"}


def test_a_field_the_table_does_not_open_to_the_administrator_is_refused(admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ClosureReason, code="new_reason", colour="red")

    assert _fields(excinfo) == {"colour": [str(NOT_EDITABLE)]}


def test_a_table_that_is_not_registered_cannot_be_changed(admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, model=ExampleCode, code="A")

    assert excinfo.value.status == 404
    assert not ExampleCode.objects.exists()


# Ending a code


def test_ending_a_code_sets_its_last_day(admin):
    row = _add(admin, effective_from=JAN)

    reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=date(2024, 6, 30))

    row.refresh_from_db()
    assert row.effective_to == date(2024, 6, 30)
    assert list(NeedCategory.objects.filter(code="naloxone").effective_on(date(2024, 6, 30))) == [
        row
    ]
    assert not NeedCategory.objects.filter(code="naloxone").effective_on(JUL).exists()


def test_a_code_may_end_on_the_day_it_started(admin):
    row = _add(admin, effective_from=JAN)

    reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=JAN)

    row.refresh_from_db()
    assert row.effective_to == JAN


def test_an_end_before_the_start_is_refused_naming_the_field(admin):
    row = _add(admin, effective_from=APR)

    with pytest.raises(ApplicationError) as excinfo:
        reference_row_end(
            actor=admin, model=NeedCategory, pk=row.pk, effective_to=date(2024, 3, 31)
        )

    assert _fields(excinfo) == {"effective_to": [str(END_BEFORE_START) % {"date": "1 April 2024"}]}
    row.refresh_from_db()
    assert row.effective_to is None


def test_an_end_date_can_be_brought_forward_but_not_pushed_back(admin):
    row = _add(admin, effective_from=JAN)
    reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=date(2024, 6, 30))

    for later in (date(2024, 6, 30), date(2024, 12, 31)):
        with pytest.raises(ApplicationError) as excinfo:
            reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=later)
        assert _fields(excinfo) == {"effective_to": [str(ALREADY_ENDS) % {"date": "30 June 2024"}]}

    reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=date(2024, 3, 31))
    row.refresh_from_db()
    assert row.effective_to == date(2024, 3, 31)


def test_only_the_latest_version_of_a_code_can_be_ended(admin):
    first = _add(admin, effective_from=JAN)
    _add(admin, effective_from=JUL)

    with pytest.raises(ApplicationError) as excinfo:
        reference_row_end(actor=admin, model=NeedCategory, pk=first.pk, effective_to=APR)

    message = str(LATER_VERSION_EXISTS) % {"code": "naloxone", "date": "1 July 2024"}
    assert _fields(excinfo) == {"effective_to": [message]}


def test_an_end_needs_a_date(admin):
    row = _add(admin)

    with pytest.raises(ApplicationError) as excinfo:
        reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=None)

    assert _fields(excinfo) == {"effective_to": [str(END_REQUIRED)]}


def test_ending_a_row_that_does_not_exist_is_not_found(admin):
    with pytest.raises(ApplicationError) as excinfo:
        reference_row_end(actor=admin, model=NeedCategory, pk=999_999, effective_to=JAN)

    assert excinfo.value.status == 404


# Who may, and what the log says


@pytest.mark.parametrize("persona", [p for p in SIGNED_IN if p != SYSADMIN])
def test_only_the_system_administrator_may_change_reference_data(world, persona):
    row = _add(world.users[SYSADMIN])
    user = world.users[persona]

    with pytest.raises(ApplicationError) as excinfo:
        _add(user, effective_from=JUL)
    assert excinfo.value.status == 403

    with pytest.raises(ApplicationError) as excinfo:
        reference_row_end(actor=user, model=NeedCategory, pk=row.pk, effective_to=JUL)
    assert excinfo.value.status == 403

    later = _add(world.users[SYSADMIN], effective_from=_future(4))
    with pytest.raises(ApplicationError) as excinfo:
        reference_row_withdraw(actor=user, model=NeedCategory, pk=later.pk)
    assert excinfo.value.status == 403

    row.refresh_from_db()
    assert row.effective_to == _future(3)
    assert NeedCategory.objects.filter(code="naloxone").count() == 2


def test_adding_a_version_writes_the_alteration_of_the_old_and_the_collection_of_the_new(admin):
    first = _add(admin, effective_from=JAN)
    written = len(_events())

    second = _add(admin, effective_from=APR)

    events = _events()[written:]
    assert [(e.operation, e.object_type, e.object_id, e.actor_id) for e in events] == [
        ("alteration", "directory.needcategory", str(first.pk), admin.pk),
        ("collection", "directory.needcategory", str(second.pk), admin.pk),
    ]
    assert events[0].detail == {
        "table": "directory.needcategory",
        "code": "naloxone",
        "effective_to": "2024-03-31",
        "previous_effective_to": None,
        "superseded": True,
    }
    assert events[1].detail == {
        "table": "directory.needcategory",
        "code": "naloxone",
        "effective_from": "2024-04-01",
        "fields": [],
    }


def test_ending_a_code_writes_an_alteration(admin):
    row = _add(admin, effective_from=JAN)
    written = len(_events())

    reference_row_end(actor=admin, model=NeedCategory, pk=row.pk, effective_to=JUL)

    (event,) = _events()[written:]
    assert (event.operation, event.object_type, event.object_id, event.actor_id) == (
        "alteration",
        "directory.needcategory",
        str(row.pk),
        admin.pk,
    )
    assert event.detail == {
        "table": "directory.needcategory",
        "code": "naloxone",
        "effective_to": "2024-07-01",
        "previous_effective_to": None,
    }


# Withdrawing a version not yet in force


def _future(days: int) -> date:
    from django.utils import timezone

    return timezone.localdate() + timedelta(days=days)


def test_withdrawing_a_version_not_yet_in_force_puts_the_one_before_back_as_it_was(admin):
    """The version before had a scheduled end; the one added ended it sooner; withdrawing the
    later puts that end back, and the audit keeps what the withdrawn version said."""
    current = _add(admin, effective_from=JAN)
    reference_row_end(actor=admin, model=NeedCategory, pk=current.pk, effective_to=_future(60))
    later = _add(admin, effective_from=_future(10), label_en="Naloxone, revised")
    current.refresh_from_db()
    assert current.effective_to == _future(9)
    before = AuditEvent.objects.count()
    withdrawal = reference_row_withdraw(actor=admin, model=NeedCategory, pk=later.pk)
    assert withdrawal.previous == current
    assert not NeedCategory.objects.filter(pk=later.pk).exists()
    current.refresh_from_db()
    assert current.effective_to == _future(60)
    erased, altered = _events()[before:]
    assert (erased.operation, erased.object_id) == ("erasure", str(later.pk))
    assert erased.detail["withdrawn"]["label_en"] == "Naloxone, revised"
    assert erased.detail["effective_from"] == _future(10).isoformat()
    assert (altered.operation, altered.object_id) == ("alteration", str(current.pk))
    assert altered.detail["effective_to"] == _future(60).isoformat()
    assert altered.detail["previous_effective_to"] == _future(9).isoformat()


def test_withdrawing_a_version_that_ended_an_open_one_leaves_it_open(admin):
    current = _add(admin, effective_from=JAN)
    later = _add(admin, effective_from=_future(1))
    reference_row_withdraw(actor=admin, model=NeedCategory, pk=later.pk)
    current.refresh_from_db()
    assert current.effective_to is None
    _assert_no_overlaps(NeedCategory, "naloxone")


def test_a_new_codes_only_version_is_withdrawn_whole(admin):
    new = _add(admin, code="fentanyl_testing", effective_from=_future(5))
    withdrawal = reference_row_withdraw(actor=admin, model=NeedCategory, pk=new.pk)
    assert withdrawal.previous is None
    assert not NeedCategory.objects.filter(code="fentanyl_testing").exists()


def test_a_version_in_force_or_followed_by_another_cannot_be_withdrawn(admin):
    from django.utils import timezone

    today = _add(admin, effective_from=timezone.localdate())
    soon = _add(admin, effective_from=_future(5))
    _add(admin, effective_from=_future(9))
    before = AuditEvent.objects.count()
    for row, words in ((today, "came into force on"), (soon, "withdraw that one first")):
        with pytest.raises(ApplicationError) as refused:
            reference_row_withdraw(actor=admin, model=NeedCategory, pk=row.pk)
        assert refused.value.status == 409
        assert words in refused.value.message
    assert NeedCategory.objects.filter(code="naloxone").count() == 3
    assert AuditEvent.objects.count() == before


def test_a_version_records_already_name_is_not_withdrawn(admin, world):
    """A future closure reason a referral has been closed with (a record dated ahead): the
    version stays, and nothing is written."""
    from pont.testing.referrals import referral_in

    reason = _add(admin, model=ClosureReason, code="moved_away", effective_from=_future(3))
    referral = referral_in(world, "accepted")
    type(referral).objects.filter(pk=referral.pk).update(closure_reason=reason)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        reference_row_withdraw(actor=admin, model=ClosureReason, pk=reason.pk)
    assert refused.value.status == 409
    assert "Records already name this version" in refused.value.message
    assert ClosureReason.objects.filter(pk=reason.pk).exists()
    assert AuditEvent.objects.count() == before


def test_a_need_a_service_offers_is_not_withdrawn_from_under_it(admin, world):
    """A many-to-many link would be deleted with the row without a word: refused instead."""
    from pont.testing.referrals import provider_service

    need = _add(admin, code="chemsex", effective_from=_future(2))
    provider_service(world).needs.add(need)
    with pytest.raises(ApplicationError) as refused:
        reference_row_withdraw(actor=admin, model=NeedCategory, pk=need.pk)
    assert refused.value.status == 409
    assert provider_service(world).needs.filter(pk=need.pk).exists()
