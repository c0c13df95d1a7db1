"""`pont.core.rows` on the referral engine's models: `rows.Insert`, the written-out INSERT of
a referral's timeline event and contact attempt, against the ORM's `save()` of the same
instance (the same row, value for value and type for type, and the instance left as save()
leaves it), and the quoted names hand-written SQL is made of (docs/adr/0004)."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from pont.accounts import services as accounts
from pont.core import rows
from pont.referrals.models import ContactAttempt, Referral, ReferralEvent, ReferralSla
from pont.referrals.selectors import _SLA_ROWS, _sla_query, sla_limits, sla_limits_by_day
from pont.testing.personas import PROV_A, SYSADMIN
from pont.testing.referrals import reachable_person, referral_in


def _stored(model: type[models.Model], pk: Any) -> dict[str, Any]:
    (row,) = model.objects.filter(pk=pk).values()  # type: ignore[attr-defined]
    return row


def _without_keys_and_times(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in {"id", "created_at", "updated_at"}}


@pytest.fixture
def accepted(world):
    return referral_in(world, "accepted", person=reachable_person(world))


AN_HOUR_AGO = timezone.now() - timedelta(hours=1)


def _attempt(referral, **who: Any) -> ContactAttempt:
    return ContactAttempt(
        referral=referral,
        method=ContactAttempt.Method.TEXT,
        attempted_at=AN_HOUR_AGO,
        result=ContactAttempt.Result.MESSAGE_LEFT,
        note="Neges / message",
        **who,
    )


def test_a_contact_attempt_is_written_as_the_orm_writes_it(world, accepted):
    client, _key = accounts.api_client_create(
        actor=world.users[SYSADMIN], organisation=world.provider_a, name="case system"
    )
    for who in ({"recorded_by_user": world.users[PROV_A]}, {"recorded_by_client": client}):
        by_orm = _attempt(accepted, **who)
        by_orm.save()
        written = _attempt(accepted, **who)
        before = timezone.now()
        assert rows.Insert(ContactAttempt).save(written) is written

        # The instance: a key from the database, saved, its auto_now time set as save() sets it.
        assert isinstance(written.pk, int)
        assert written.pk > by_orm.pk
        assert not written._state.adding
        assert written._state.db == "default"
        assert written.updated_at >= before
        assert written.created_at <= written.updated_at
        # The row: what the ORM writes, value for value and type for type.
        orm_row, our_row = _stored(ContactAttempt, by_orm.pk), _stored(ContactAttempt, written.pk)
        assert _without_keys_and_times(our_row) == _without_keys_and_times(orm_row)
        assert {k: type(v) for k, v in our_row.items()} == {k: type(v) for k, v in orm_row.items()}
        assert (our_row["created_at"], our_row["updated_at"]) == (
            written.created_at,
            written.updated_at,
        )
        assert ContactAttempt.objects.get(pk=written.pk).referral == accepted


def test_a_timeline_event_with_its_json_detail_is_written_as_the_orm_writes_it(world, accepted):
    now = timezone.now()
    detail = {"reason": "Ddim yn gymwys", "nested": {"n": 1, "list": [1, "dau"]}}
    by_orm = ReferralEvent.objects.create(
        referral=accepted, kind="rejected", at=now, actor_label="x", detail=detail
    )
    written = rows.Insert(ReferralEvent).save(
        ReferralEvent(referral=accepted, kind="rejected", at=now, actor_label="x", detail=detail)
    )
    orm_row, our_row = _stored(ReferralEvent, by_orm.pk), _stored(ReferralEvent, written.pk)
    assert _without_keys_and_times(our_row) == _without_keys_and_times(orm_row)
    assert our_row["detail"] == detail
    assert our_row["at"] == now


def test_only_new_instances_of_its_own_model_are_written(world, accepted):
    insert = rows.Insert(ReferralEvent)
    saved = insert.save(
        ReferralEvent(referral=accepted, kind="x", at=timezone.now(), actor_label="x")
    )
    count = ReferralEvent.objects.count()
    with pytest.raises(ValueError, match="new instances"):
        insert.save(saved)  # already written: an INSERT would duplicate it
    with pytest.raises(ValueError, match="new instances"):
        insert.save(_attempt(accepted))  # type: ignore[arg-type]  # another model
    assert ReferralEvent.objects.count() == count


def test_quoted_names_are_the_databases_own_quoting_of_the_models_names(db):
    quote = connection.ops.quote_name
    for _ in range(2):  # the second time from the cache
        assert rows.table(Referral) == quote("referrals_referral")
        assert rows.quoted(Referral, "person") == quote("person_id")
        assert rows.quoted(Referral, "pk") == quote("id")
    with pytest.raises(ValueError, match="not a column"):
        rows.quoted(Referral, "contact_attempts")  # a reverse relation has no column


def _fields(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_instances_read_by_written_out_sql_are_the_orms_instances(db):
    """`rows.Instances.all`: the time limits every API call reads, value for value and type
    for type, in the query's order, each instance loaded (saved, from this database)."""
    read = _SLA_ROWS.all(_sla_query(connection.vendor), ())
    by_orm = list(ReferralSla.objects.order_by("code", "effective_from"))
    assert len(read) >= 3  # the reference data: accepted, first contact, treatment start
    assert [_fields(r) for r in read] == [_fields(r) for r in by_orm]
    for instance, expected in zip(read, by_orm, strict=True):
        for name, value in _fields(expected).items():
            assert type(getattr(instance, name)) is type(value), name
        assert not instance._state.adding
        assert instance._state.db == "default"


def test_limits_by_day_agree_with_the_limits_in_force_across_a_change(db):
    """A limit replaced on a day: `sla_limits_by_day` (one read, for many referrals) gives the
    same rows as `sla_limits` (one query per day) before, on and after the change."""
    old = ReferralSla.objects.get(code="accepted", effective_to__isnull=True)
    change = date(2026, 4, 1)
    ReferralSla.objects.filter(pk=old.pk).update(effective_to=change - timedelta(days=1))
    ReferralSla.objects.create(
        code="accepted",
        label_en=old.label_en,
        label_cy=old.label_cy,
        working_days=old.working_days + 2,
        effective_from=change,
        source="test",
    )
    by_day = sla_limits_by_day()
    for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
        expected = {code: row.pk for code, row in sla_limits(day).items()}
        assert {code: row.pk for code, row in by_day(day).items()} == expected, day
    assert by_day(change)["accepted"].working_days == old.working_days + 2
    assert by_day(change - timedelta(days=1))["accepted"].pk == old.pk
