"""The partner API: scoped keys, ETag/If-Match, idempotent POSTs, cursor paging, disclosures."""

import json
import threading
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from pont.accounts import services as accounts
from pont.audit.models import AuditEvent
from pont.referrals.models import ContactAttempt, IdempotencyRecord, Referral, ReferralEvent
from pont.testing.personas import SYSADMIN
from pont.testing.referrals import reachable_person, referral_in, sent_earlier

SCOPES = ["referrals:read", "referrals:write"]


def _key(world, which="a", scopes=SCOPES):
    organisation = world.provider_a if which == "a" else world.provider_b
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=organisation,
        name=f"system {which}",
        scopes=scopes,
    )
    return {"Authorization": f"Bearer {key}"}


def _url(referral, tail=""):
    return f"/api/v1/referrals/{referral.pk}{tail}"


def _phone_attempt(at):
    """A contact attempt's body: a phone call at `at`, not answered."""
    return {"method": "phone", "attempted_at": at.isoformat(), "result": "no_answer"}


def _post(path, body, headers, key="k-1"):
    return Client().post(
        path,
        json.dumps(body),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": key},
    )


def test_get_returns_the_referral_with_its_etag_and_records_a_disclosure(world):
    referral = referral_in(world, "requested")
    headers = _key(world)
    before = AuditEvent.objects.count()
    response = Client().get(_url(referral), headers=headers)
    assert response.status_code == 200
    assert response["ETag"] == f'"{referral.version}"'
    body = response.json()
    assert body["status"] == "requested"
    assert body["person"]["given_name"] == "Dylan"
    assert "pnc_id" not in body["person"]  # only what the provider needs
    assert body["contact_routes"][0]["phone"] == "+447812345678"
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.operation, event.subject_person_id) == ("disclosure", referral.person_id)
    assert event.recipient.startswith("api-client:")


def test_another_providers_key_gets_404_exactly_like_a_missing_referral(world):
    referral = referral_in(world, "requested")
    headers_b = _key(world, "b")
    hidden = Client().get(_url(referral), headers=headers_b)
    missing = Client().get(
        "/api/v1/referrals/00000000-0000-0000-0000-000000000000", headers=headers_b
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"message": "Referral not found.", "extra": {}}


def test_a_key_without_the_scope_is_refused(world):
    referral = referral_in(world, "requested")
    response = Client().get(_url(referral), headers=_key(world, scopes=[]))
    assert response.status_code == 403
    assert response.json()["extra"] == {"scope": "referrals:read"}


def test_patch_needs_if_match_and_a_stale_etag_changes_nothing(world):
    referral = referral_in(world, "requested")
    headers = _key(world)
    body = json.dumps({"status": "accepted"})
    missing = Client().patch(_url(referral), body, content_type="application/json", headers=headers)
    assert missing.status_code == 428
    stale = Client().patch(
        _url(referral),
        body,
        content_type="application/json",
        headers={**headers, "If-Match": '"999"'},
    )
    assert stale.status_code == 412
    assert Referral.objects.get(pk=referral.pk).status == "requested"
    before = AuditEvent.objects.count()
    ok = Client().patch(
        _url(referral),
        body,
        content_type="application/json",
        headers={**headers, "If-Match": f'"{referral.version}"'},
    )
    assert ok.status_code == 200
    assert ok.json()["status"] == "accepted"
    assert ok["ETag"] == f'"{referral.version + 1}"'
    # The change is recorded once; the answer showing it is not a further disclosure.
    written = AuditEvent.objects.filter(sequence__gt=before).values_list("operation", "object_id")
    assert list(written) == [("alteration", str(referral.pk))]
    # The same ETag again is now stale.
    again = Client().patch(
        _url(referral),
        json.dumps({"status": "rejected", "reason": "x"}),
        content_type="application/json",
        headers={**headers, "If-Match": f'"{referral.version}"'},
    )
    assert again.status_code == 412


def test_patch_closing_needs_a_known_closure_reason_of_the_right_kind(world):
    referral = referral_in(world, "in-progress")
    headers = {**_key(world), "If-Match": f'"{referral.version}"'}
    unknown = Client().patch(
        _url(referral),
        json.dumps({"status": "completed", "closure_reason": "nonsense"}),
        content_type="application/json",
        headers=headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["extra"] == {
        "fields": {"closure_reason": ["Select a closure reason from the list."]}
    }
    # An unplanned reason fails a referral: asked to complete with it, nothing changes.
    mismatched = Client().patch(
        _url(referral),
        json.dumps({"status": "completed", "closure_reason": "client_declined"}),
        content_type="application/json",
        headers=headers,
    )
    assert mismatched.status_code == 422
    assert mismatched.json()["extra"]["fields"]["status"] == [
        "That closure reason makes the referral failed, not completed."
    ]
    unchanged = Referral.objects.get(pk=referral.pk)
    assert (unchanged.status, unchanged.version) == ("in-progress", referral.version)
    assert not ReferralEvent.objects.filter(referral=referral, kind="closed").exists()
    # "Treatment complete" needs a treatment start: refused until one is recorded.
    early = Client().patch(
        _url(referral),
        json.dumps({"status": "completed", "closure_reason": "planned_complete"}),
        content_type="application/json",
        headers=headers,
    )
    assert early.status_code == 422
    assert list(early.json()["extra"]["fields"]) == ["closure_reason"]
    assert Referral.objects.get(pk=referral.pk).status == "in-progress"
    from pont.referrals import services
    from pont.testing.personas import PROV_A

    started = services.treatment_start(
        actor=world.users[PROV_A], referral_id=referral.pk, started_at=timezone.now()
    )
    done = Client().patch(
        _url(referral),
        json.dumps({"status": "completed", "closure_reason": "planned_complete"}),
        content_type="application/json",
        headers={**headers, "If-Match": f'"{started.version}"'},
    )
    assert done.status_code == 200
    assert done.json()["closure_reason"] == "planned_complete"


def test_invalid_bodies_get_the_error_shape_naming_the_field(world):
    referral = referral_in(world, "accepted")
    response = _post(_url(referral, "/contact-attempts"), {"method": "pigeon"}, _key(world))
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "The request is not valid."
    assert {"method", "attempted_at", "result"} <= set(body["extra"]["fields"])


def test_a_retried_post_returns_the_first_response_and_creates_nothing(world):
    referral = sent_earlier(referral_in(world, "accepted"))
    headers = _key(world)
    attempt = _phone_attempt(timezone.now() - timedelta(hours=1))
    first = _post(_url(referral, "/contact-attempts"), attempt, headers, key="retry-1")
    second = _post(_url(referral, "/contact-attempts"), attempt, headers, key="retry-1")
    assert first.status_code == second.status_code == 201
    assert first.content == second.content  # the same bytes, not only the same JSON
    assert second["Idempotent-Replayed"] == "true"
    assert ContactAttempt.objects.filter(referral=referral).count() == 1
    # A new key is a new attempt.
    third = _post(_url(referral, "/contact-attempts"), attempt, headers, key="retry-2")
    assert third.status_code == 201
    assert ContactAttempt.objects.filter(referral=referral).count() == 2


def test_the_same_key_with_a_different_body_is_refused(world):
    referral = sent_earlier(referral_in(world, "accepted"))
    headers = _key(world)
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    _post(
        _url(referral, "/contact-attempts"),
        {"method": "phone", "attempted_at": when, "result": "reached"},
        headers,
    )
    other = _post(
        _url(referral, "/contact-attempts"),
        {"method": "text", "attempted_at": when, "result": "reached"},
        headers,
    )
    assert other.status_code == 422
    assert ContactAttempt.objects.count() == 1


def test_a_post_without_an_idempotency_key_is_refused(world):
    referral = referral_in(world, "accepted")
    response = Client().post(
        _url(referral, "/appointments"),
        json.dumps({"starts_at": timezone.now().isoformat(), "place": "Hub"}),
        content_type="application/json",
        headers=_key(world),
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"header": "Idempotency-Key"}


def test_a_refused_post_is_replayed_as_refused(world):
    referral = referral_in(world, "requested")  # not accepted yet: no contact attempts allowed
    headers = _key(world)
    body = {"method": "phone", "attempted_at": timezone.now().isoformat(), "result": "reached"}
    first = _post(_url(referral, "/contact-attempts"), body, headers, key="early")
    second = _post(_url(referral, "/contact-attempts"), body, headers, key="early")
    assert first.status_code == second.status_code == 409
    assert first.json() == second.json()
    assert not ContactAttempt.objects.exists()


def test_outcomes_record_attendance_treatment_and_closure(world):
    referral = referral_in(world, "accepted")
    headers = _key(world)
    booked = _post(
        _url(referral, "/appointments"),
        {"starts_at": timezone.now().isoformat(), "place": "Hub"},
        headers,
        key="b1",
    )
    assert booked.status_code == 201
    appointment = booked.json()["id"]
    attended = _post(
        _url(referral, "/outcomes"),
        {"type": "attendance", "appointment_id": appointment, "attendance": "attended"},
        headers,
        key="o1",
    )
    assert attended.status_code == 201
    started = _post(
        _url(referral, "/outcomes"),
        {"type": "treatment_started", "started_at": timezone.now().isoformat()},
        headers,
        key="o2",
    )
    assert started.json()["treatment_started_at"]
    closed = _post(
        _url(referral, "/outcomes"),
        {"type": "closed", "closure_reason": "planned_referred_on"},
        headers,
        key="o3",
    )
    assert closed.json()["status"] == "completed"
    missing = _post(_url(referral, "/outcomes"), {"type": "attendance"}, headers, key="o4")
    assert missing.status_code == 422


def test_a_partner_corrects_a_recorded_attendance_with_a_reason(world):
    referral = referral_in(world, "accepted")
    headers = _key(world)
    appointment = _post(
        _url(referral, "/appointments"),
        {"starts_at": timezone.now().isoformat(), "place": "Hub"},
        headers,
        key="b1",
    ).json()["id"]
    answer = {"type": "attendance", "appointment_id": appointment, "attendance": "did_not_attend"}
    assert _post(_url(referral, "/outcomes"), answer, headers, key="o1").status_code == 201
    correction = {
        "type": "attendance_corrected",
        "appointment_id": appointment,
        "attendance": "attended",
        "reason": "Recorded against the wrong appointment",
    }
    no_reason = _post(_url(referral, "/outcomes"), {**correction, "reason": ""}, headers, key="o2")
    assert no_reason.status_code == 422
    assert list(no_reason.json()["extra"]["fields"]) == ["reason"]
    # A reason belongs to a correction only: with a first answer it is named and refused.
    stray = _post(_url(referral, "/outcomes"), {**answer, "reason": "x"}, headers, key="o3")
    assert stray.status_code == 422
    assert list(stray.json()["extra"]["fields"]) == ["reason"]
    corrected = _post(_url(referral, "/outcomes"), correction, headers, key="o4")
    assert corrected.status_code == 201
    assert [a["attendance"] for a in corrected.json()["appointments"]] == ["attended"]
    again = _post(_url(referral, "/outcomes"), correction, headers, key="o4")  # a retry
    assert again.json() == corrected.json()
    assert ReferralEvent.objects.filter(referral=referral, kind="attendance_corrected").count() == 1
    # The other provider's system: as if the referral did not exist.
    other = _post(_url(referral, "/outcomes"), correction, _key(world, "b"), key="o5")
    assert other.status_code == 404


def test_closing_with_an_appointment_waiting_for_its_attendance_is_a_conflict(world):
    referral = sent_earlier(referral_in(world, "in-progress"))
    headers = _key(world)
    booked = [
        _post(
            _url(referral, "/appointments"),
            {"starts_at": when.isoformat(), "place": "Hub"},
            headers,
            key=f"b{n}",
        ).json()["id"]
        for n, when in enumerate(
            (timezone.now() - timedelta(hours=1), timezone.now() + timedelta(days=1))
        )
    ]
    close = {"type": "closed", "closure_reason": "dna_before_assessment"}
    refused = _post(_url(referral, "/outcomes"), close, headers, key="c1")
    assert refused.status_code == 409
    assert refused.json()["extra"] == {"appointments": [booked[0]]}
    assert refused.json()["message"].startswith("Record whether they came to the appointment")
    # The one that has started: cancelled (it did not take place), which a partner may say.
    cancelled = _post(
        _url(referral, "/outcomes"),
        {"type": "appointment_cancelled", "appointment_id": booked[0]},
        headers,
        key="a1",
    )
    assert cancelled.status_code == 201
    missing = {"type": "appointment_cancelled"}
    assert _post(_url(referral, "/outcomes"), missing, headers, key="a2").status_code == 422
    assert _post(_url(referral, "/outcomes"), close, headers, key="c2").status_code == 201
    shown = Client().get(_url(referral), headers=headers).json()
    assert [a["attendance"] for a in shown["appointments"]] == ["cancelled", "cancelled"]


def test_the_list_pages_with_a_cursor_and_filters_by_updated_since(world):
    for name in ("Ann", "Bea", "Cai"):
        referral_in(world, "requested", person=reachable_person(world, given_name=name))
    referral_in(world, "requested", which="b", person=reachable_person(world, given_name="Dai"))
    headers = _key(world)
    first = Client().get("/api/v1/referrals/?limit=2", headers=headers).json()
    assert [i["person"]["given_name"] for i in first["items"]] == ["Ann", "Bea"]
    second = (
        Client()
        .get(f"/api/v1/referrals/?limit=2&cursor={first['next_cursor']}", headers=headers)
        .json()
    )
    assert [i["person"]["given_name"] for i in second["items"]] == ["Cai"]
    assert second["next_cursor"] is None
    later = timezone.now() + timedelta(seconds=1)
    none = (
        Client()
        .get("/api/v1/referrals/", {"updated_since": later.isoformat()}, headers=headers)
        .json()
    )
    assert none["items"] == []
    bad = Client().get("/api/v1/referrals/?cursor=not-a-cursor", headers=headers)
    assert bad.status_code == 422
    assert bad.json()["extra"] == {
        "fields": {"cursor": ["The cursor is not valid: use the next_cursor of the page before."]}
    }
    too_big = Client().get("/api/v1/referrals/?limit=1000", headers=headers)
    assert too_big.status_code == 422


def test_drafts_are_never_listed_to_the_provider(world):
    referral_in(world, "draft")
    body = Client().get("/api/v1/referrals/", headers=_key(world)).json()
    assert body["items"] == []


def test_idempotency_keys_expire_after_a_day(world):
    from pont.referrals.http_semantics import purge_expired_keys

    referral = referral_in(world, "accepted")
    headers = _key(world)
    _post(
        _url(referral, "/appointments"),
        {"starts_at": timezone.now().isoformat(), "place": "Hub"},
        headers,
    )
    _post(
        _url(referral, "/contact-attempts"),
        _phone_attempt(timezone.now()),
        headers,
        key="k-2",
    )
    IdempotencyRecord.objects.filter(pk=IdempotencyRecord.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_expired_keys() == 1
    assert IdempotencyRecord.objects.count() == 1  # the recent one is kept
    # The scheduler runs the purge (hourly by default).
    from django.conf import settings

    from pont.referrals.tasks import purge_idempotency_keys

    assert "pont.referrals.tasks.purge_idempotency_keys" in dict(settings.PONT_SCHEDULE)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_idempotency_keys.call() == {"purged": 1}
    assert not IdempotencyRecord.objects.exists()


def test_concurrent_patches_with_the_same_etag_make_exactly_one_change(audit_flushable):
    """Systems that read version n all PATCH: one wins, the others get 412 (no lost update)."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's in-memory test database cannot be shared across threads"
        )
    from pont.audit.models import AuditChainHead
    from pont.testing.personas import build_world

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    referral = referral_in(world, "requested")
    headers = {**_key(world), "If-Match": f'"{referral.version}"'}
    results: list[int] = []

    def patch(body: dict) -> None:
        try:
            response = Client().patch(
                _url(referral), json.dumps(body), content_type="application/json", headers=headers
            )
            results.append(response.status_code)
        finally:
            connection.close()

    # A burst (T12): twenty systems, half accepting and half rejecting, all from version n.
    bodies = [{"status": "accepted"}, {"status": "rejected", "reason": "Full"}] * 10
    threads = [threading.Thread(target=patch, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [412] * 19
    final = Referral.objects.get(pk=referral.pk)
    assert final.version == referral.version + 1
    assert final.status in ("accepted", "rejected")
    # The one change made is the one change in the referral's history.
    changes = ReferralEvent.objects.filter(referral=final, kind__in=["accepted", "rejected"])
    assert [event.kind for event in changes] == [final.status]


def test_ten_concurrent_duplicates_of_a_post_create_one_attempt_and_answer_alike(
    audit_flushable,
):
    """T13: a partner's retry racing its own first try (ten times over), with one
    Idempotency-Key: one contact attempt is made, and every answer is the first one's (the
    duplicates wait on the key's unique index, then replay it). PostgreSQL: real
    concurrent transactions, one connection a thread."""
    from pont.audit.models import AuditChainHead
    from pont.testing.concurrency import at_once, needs_postgresql
    from pont.testing.personas import build_world

    needs_postgresql()
    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    referral = sent_earlier(referral_in(world, "accepted"))
    headers = _key(world)
    attempt = _phone_attempt(timezone.now() - timedelta(hours=1))

    def post() -> tuple[int, str, str]:
        response = _post(_url(referral, "/contact-attempts"), attempt, headers, key="race-1")
        return (
            response.status_code,
            response.content.decode(),
            response.get("Idempotent-Replayed", ""),
        )

    answers = at_once(post, 10)
    assert ContactAttempt.objects.filter(referral=referral).count() == 1
    assert {status for status, _body, _replayed in answers} == {201}
    assert len({body for _status, body, _replayed in answers}) == 1
    assert sorted(replayed for _status, _body, replayed in answers) == [""] + ["true"] * 9
    assert IdempotencyRecord.objects.filter(key="race-1").count() == 1


def test_list_and_get_responses_conform_to_their_documented_schemas(world):
    from pont.referrals.schemas import ReferralOut, ReferralPageOut

    referral = referral_in(world, "in-progress")
    headers = _key(world)
    page = Client().get("/api/v1/referrals/", headers=headers).json()
    ReferralPageOut.model_validate(page)
    one = Client().get(_url(referral), headers=headers).json()
    assert ReferralOut.model_validate(one).contact_attempts[0].result == "reached"


def test_lists_and_patches_running_together_never_deadlock(audit_flushable):
    """Regression: locking a referral used to lock its organisation row too, and a list's audit
    rows (pointing at that organisation) then deadlocked against the chain head."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite's in-memory test database cannot be shared across threads"
        )
    from pont.audit.models import AuditChainHead
    from pont.testing.personas import build_world

    AuditChainHead.objects.get_or_create(pk=1)
    world = build_world()
    referrals = [
        referral_in(world, "requested", person=reachable_person(world, given_name=f"P{i}"))
        for i in range(8)
    ]
    headers = _key(world)
    statuses: list[int] = []
    lock = threading.Lock()

    def lister() -> None:
        try:
            for _ in range(6):
                status = Client().get("/api/v1/referrals/?limit=20", headers=headers).status_code
                with lock:
                    statuses.append(status)
        finally:
            connection.close()

    def patcher(referral: Referral) -> None:
        try:
            response = Client().patch(
                _url(referral),
                json.dumps({"status": "accepted"}),
                content_type="application/json",
                headers={**headers, "If-Match": f'"{referral.version}"'},
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=lister) for _ in range(4)]
    threads += [threading.Thread(target=patcher, args=(r,)) for r in referrals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == len(statuses) == 4 * 6 + 8
    assert Referral.objects.filter(status="accepted").count() == 8


def test_a_contact_attempt_before_the_referral_was_sent_is_refused_at_its_field(world):
    referral = referral_in(world, "accepted")
    attempt = _phone_attempt(referral.requested_at - timedelta(days=3))
    refused = _post(_url(referral, "/contact-attempts"), attempt, _key(world))
    assert refused.status_code == 422
    assert list(refused.json()["extra"]["fields"]) == ["attempted_at"]
    assert ContactAttempt.objects.filter(referral=referral).count() == 0


# The walkthrough's defects: unknown fields, sizes, date-times, one status for field errors,
# JSON for what Django refuses itself, the schema's examples and parameters.


def _patch(referral, body, headers, version=None):
    return Client().patch(
        _url(referral),
        json.dumps(body),
        content_type="application/json",
        headers={**headers, "If-Match": f'"{version or referral.version}"'},
    )


def _refused_to_others(world, referral, send):
    """The same valid request, from another provider's key (404, as for no referral) and from
    a key of the right provider without referrals:write (403): nothing is written."""
    other_key, read_only_key = _key(world, "b"), _key(world, scopes=["referrals:read"])
    referral = Referral.objects.get(pk=referral.pk)
    before = AuditEvent.objects.count()
    other = send(other_key)
    assert other.status_code == 404
    assert other.json() == {"message": "Referral not found.", "extra": {}}
    read_only = send(read_only_key)
    assert read_only.status_code == 403
    assert read_only.json()["extra"] == {"scope": "referrals:write"}
    assert AuditEvent.objects.filter(sequence__gt=before).count() == 0
    unchanged = Referral.objects.get(pk=referral.pk)
    assert (unchanged.status, unchanged.version) == (referral.status, referral.version)


UNKNOWN_FIELD = "Pont does not know this field: check its spelling, or leave it out."


@pytest.mark.parametrize(
    ("tail", "body", "typo"),
    [
        ("", {"status": "rejected", "reason": "Outside our area", "reasn": "typo"}, "reasn"),
        (
            "/contact-attempts",
            {"method": "phone", "attempted_at": "NOW", "result": "no_answer", "notes": "x"},
            "notes",
        ),
        ("/appointments", {"starts_at": "NOW", "place": "Hub", "plce": "Hub"}, "plce"),
        (
            "/outcomes",
            {"type": "closed", "closure_reason": "no_information", "not": "Moved away"},
            "not",
        ),
    ],
)
def test_an_unknown_field_in_a_body_is_refused_naming_it(world, tail, body, typo):
    referral = sent_earlier(referral_in(world, "requested" if not tail else "accepted"))
    now = timezone.now().isoformat()
    body = {key: now if value == "NOW" else value for key, value in body.items()}
    headers = _key(world)

    def send(headers, body=body):
        if tail:
            return _post(_url(referral, tail), body, headers, key=str(len(body)))
        return _patch(referral, body, headers)

    before = AuditEvent.objects.count()
    refused = send(headers)
    assert refused.status_code == 422
    assert refused.json() == {
        "message": "The request is not valid.",
        "extra": {"fields": {typo: [UNKNOWN_FIELD]}},
    }
    assert AuditEvent.objects.filter(sequence__gt=before).count() == 0
    assert Referral.objects.get(pk=referral.pk).version == referral.version
    valid = {key: value for key, value in body.items() if key != typo}
    _refused_to_others(world, referral, lambda h: send(h, valid))
    assert send(headers, valid).status_code in (200, 201)


def test_every_request_body_forbids_unknown_fields_in_the_schema():
    from config.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for name in ("ReferralPatchIn", "ContactAttemptIn", "AppointmentIn", "OutcomeIn"):
        assert schemas[name]["additionalProperties"] is False, name


def test_a_reason_or_note_longer_than_the_portal_allows_is_refused_at_its_field(world):
    from pont.referrals.forms import CloseForm, ReasonForm

    limit = 2000
    assert ReasonForm().fields["reason"].max_length == CloseForm.base_fields["note"].max_length
    assert ReasonForm().fields["reason"].max_length == limit
    headers = _key(world)
    referral = referral_in(world, "requested")
    long_reason = _patch(referral, {"status": "rejected", "reason": "x" * (limit + 1)}, headers)
    assert long_reason.status_code == 422
    assert list(long_reason.json()["extra"]["fields"]) == ["reason"]
    open_one = referral_in(world, "in-progress", person=reachable_person(world, given_name="Ann"))
    close = {"status": "failed", "closure_reason": "client_declined", "note": "n" * (limit + 1)}
    long_note = _patch(open_one, close, headers)
    assert long_note.status_code == 422
    assert list(long_note.json()["extra"]["fields"]) == ["note"]
    outcome = {"type": "closed", "closure_reason": "client_declined", "note": "n" * (limit + 1)}
    long_outcome = _post(_url(open_one, "/outcomes"), outcome, headers)
    assert long_outcome.status_code == 422
    assert list(long_outcome.json()["extra"]["fields"]) == ["note"]
    unchanged = Referral.objects.get(pk=open_one.pk)
    assert (unchanged.status, unchanged.version) == ("in-progress", open_one.version)
    # At the limit: taken, and kept whole.
    at_limit = {"status": "rejected", "reason": "r" * limit}
    _refused_to_others(world, referral, lambda h: _patch(referral, at_limit, h))
    rejected = _patch(referral, at_limit, headers)
    assert rejected.status_code == 200
    assert Referral.objects.get(pk=referral.pk).rejection_reason == "r" * limit


@pytest.mark.parametrize("when", [1764238500, "1764238500", 1764238500.5, "2026-11-27", "", True])
def test_a_date_time_that_is_not_iso_8601_text_is_refused_at_its_field(world, when):
    referral = referral_in(world, "accepted")
    headers = _key(world)
    attempt = {"method": "phone", "attempted_at": when, "result": "no_answer"}
    refused = _post(_url(referral, "/contact-attempts"), attempt, headers, key="a")
    assert refused.status_code == 422
    assert list(refused.json()["extra"]["fields"]) == ["attempted_at"]
    appointment = {"starts_at": when, "place": "Hub"}
    refused = _post(_url(referral, "/appointments"), appointment, headers, key="b")
    assert list(refused.json()["extra"]["fields"]) == ["starts_at"]
    started = {"type": "treatment_started", "started_at": when}
    refused = _post(_url(referral, "/outcomes"), started, headers, key="c")
    assert list(refused.json()["extra"]["fields"]) == ["started_at"]
    if not isinstance(when, bool):
        listed = Client().get("/api/v1/referrals/", {"updated_since": when}, headers=headers)
        assert listed.status_code == 422
        assert list(listed.json()["extra"]["fields"]) == ["updated_since"]
    assert not ContactAttempt.objects.filter(referral=referral).exists()


def test_a_date_time_with_an_offset_or_without_one_is_taken_as_documented(world):
    referral = sent_earlier(referral_in(world, "accepted"))
    headers = _key(world)
    moment = timezone.localtime(timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    attempt = {"method": "phone", "result": "no_answer"}
    sent = [
        moment.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        moment.isoformat(),  # with the UK offset
        moment.replace(tzinfo=None).isoformat(),  # naive: UK time
    ]
    for n, when in enumerate(sent):
        _refused_to_others(
            world,
            referral,
            lambda h, when=when: _post(
                _url(referral, "/contact-attempts"), {**attempt, "attempted_at": when}, h
            ),
        )
        made = _post(
            _url(referral, "/contact-attempts"), {**attempt, "attempted_at": when}, headers, str(n)
        )
        assert made.status_code == 201, made.content
    kept = ContactAttempt.objects.filter(referral=referral).values_list("attempted_at", flat=True)
    assert set(kept) == {moment}


def test_a_field_error_is_422_on_every_path_whichever_layer_refuses_it(world):
    """Refused by the schema (a missing field) or by the service (a reason that is only
    spaces, a time before the referral was sent, an unknown closure code), in a PATCH, a
    POST and a list: always 422 with the field named. A replayed refusal keeps its 422."""
    headers = _key(world)
    referral = referral_in(world, "requested")
    answers = {
        "schema": _patch(referral, {"reason": "no status"}, headers),
        "service (PATCH)": _patch(referral, {"status": "rejected", "reason": "   "}, headers),
        "list": Client().get("/api/v1/referrals/", {"status": "nonsense"}, headers=headers),
        "cursor": Client().get("/api/v1/referrals/", {"cursor": "!"}, headers=headers),
    }
    accepted = referral_in(world, "accepted", person=reachable_person(world, given_name="Bea"))
    early = _phone_attempt(accepted.requested_at - timedelta(days=3))
    answers["service (POST)"] = _post(_url(accepted, "/contact-attempts"), early, headers, "e")
    answers["replayed"] = _post(_url(accepted, "/contact-attempts"), early, headers, "e")
    assert answers["replayed"]["Idempotent-Replayed"] == "true"
    for name, answer in answers.items():
        assert answer.status_code == 422, name
        assert answer.json()["extra"]["fields"], name
    assert Referral.objects.get(pk=referral.pk).status == "requested"
    # Not about a field: a body that is not JSON at all is 400.
    unparsable = Client().post(
        _url(accepted, "/contact-attempts"),
        "{not json",
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "u"},
    )
    assert unparsable.status_code == 400
    assert unparsable.json() == {"message": "The request body is not valid JSON.", "extra": {}}
    # Nor is a missing Idempotency-Key header: 400 (its draft standard's).
    no_key = Client().post(
        _url(accepted, "/contact-attempts"),
        json.dumps(early),
        content_type="application/json",
        headers=headers,
    )
    assert no_key.status_code == 400
    assert no_key.json()["extra"] == {"header": "Idempotency-Key"}


def test_a_body_over_the_upload_limit_is_413_in_the_api_error_shape(world, settings):
    referral = referral_in(world, "accepted")
    headers = _key(world)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440
    note = "x" * (limit + 1)
    body = {"method": "phone", "attempted_at": timezone.now().isoformat(), "result": "reached"}
    posted = _post(_url(referral, "/contact-attempts"), {**body, "note": note}, headers)
    patched = _patch(referral, {"status": "rejected", "reason": note}, headers)
    for answer in (posted, patched):
        assert answer.status_code == 413
        assert answer["Content-Type"] == "application/json"
        # The API's headers, though Django refused it before they are usually given.
        assert answer["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert answer["Cache-Control"] == "no-store, max-age=0"
        assert answer.json() == {
            "message": f"The request body is too large: send at most {limit} bytes.",
            "extra": {"max_bytes": limit},
        }
    assert not ContactAttempt.objects.filter(referral=referral).exists()
    assert Referral.objects.get(pk=referral.pk).version == referral.version
    # The same limit refuses other organisations' keys alike, before anything is looked up.
    other = _post(_url(referral, "/contact-attempts"), {**body, "note": note}, _key(world, "b"))
    assert other.status_code == 413
    # A page (not the API) answers with its HTML page, 413 too (pont.core.uploads).
    page = Client().post("/accounts/sign-in", {"username": note})
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")
    assert "What you sent is too large" in page.content.decode()


@pytest.mark.parametrize(
    ("method", "tail", "allowed"),
    [
        ("put", "", ["GET", "HEAD", "PATCH"]),
        ("delete", "", ["GET", "HEAD", "PATCH"]),
        ("delete", "/contact-attempts", ["POST"]),
        ("put", "/outcomes", ["POST"]),
        ("post", "LIST", ["GET", "HEAD"]),
    ],
)
def test_a_method_an_api_address_does_not_take_is_405_in_the_api_error_shape(
    world, method, tail, allowed
):
    referral = referral_in(world, "requested")
    url = "/api/v1/referrals/" if tail == "LIST" else _url(referral, tail)
    for headers in (_key(world), _key(world, "b"), {}):
        answer = getattr(Client(), method)(
            url, "{}", content_type="application/json", headers=headers
        )
        assert answer.status_code == 405
        assert answer["Allow"] == ", ".join(allowed)
        assert answer["Content-Type"] == "application/json"
        assert answer.json() == {
            "message": f"This address does not take {method.upper()}. Use {', '.join(allowed)}.",
            "extra": {"allowed": allowed},
        }
    assert Referral.objects.get(pk=referral.pk).version == referral.version


def test_the_schema_and_the_api_reference_page_give_every_body_an_example(world):
    from config.api import api

    document = api.get_openapi_schema()
    schemas = document["components"]["schemas"]
    for name in ("ReferralPatchIn", "ContactAttemptIn", "AppointmentIn", "OutcomeIn"):
        assert schemas[name]["examples"], name
    # Each example is a body the schema takes.
    from pont.referrals import schemas as referral_schemas

    for name in ("ReferralPatchIn", "ContactAttemptIn", "AppointmentIn", "OutcomeIn"):
        for example in schemas[name]["examples"]:
            getattr(referral_schemas, name).model_validate(example)
    listing = document["paths"]["/api/v1/referrals/"]["get"]["parameters"]
    described = {p["name"]: p.get("description", "") for p in listing}
    assert set(described) == {"cursor", "updated_since", "status", "limit"}
    assert all(described.values()), described
    for path in ("/api/v1/referrals/{referral_id}/outcomes", "/api/v1/referrals/{referral_id}"):
        operations = document["paths"][path]
        write = operations.get("post") or operations["patch"]
        assert "413" in {str(code) for code in write["responses"]}


def test_a_referral_carries_its_time_limits_with_the_day_each_is_due(world):
    from pont.core.working_days import add_working_days
    from pont.referrals import services as engine
    from pont.testing.personas import PROV_A

    late = sent_earlier(referral_in(world, "requested"), days=14)
    headers = _key(world)
    response = Client().get(_url(late), headers=headers)
    assert response.status_code == 200, response.content[:3000]
    body = response.json()
    sent = timezone.localdate(late.requested_at)
    limits = {limit["milestone"]: limit for limit in body["time_limits"]}
    assert set(limits) == {"accepted", "first_contact_attempt", "treatment_start"}
    assert limits["accepted"] == {
        "milestone": "accepted",
        "due": add_working_days(sent, 1).isoformat(),
        "met_on": None,
        "overdue": True,
    }
    assert limits["treatment_start"]["due"] == add_working_days(sent, 20).isoformat()
    assert limits["treatment_start"]["overdue"] is False  # 14 days ago: 20 working days not past
    engine.referral_accept(actor=world.users[PROV_A], referral_id=late.pk)
    listed = Client().get("/api/v1/referrals/", headers=headers).json()["items"]
    accepted = {limit["milestone"]: limit for limit in listed[0]["time_limits"]}["accepted"]
    assert accepted["met_on"] == timezone.localdate().isoformat()
    assert accepted["overdue"] is False  # met, though late
    # Another provider's key: as if there were no such referral.
    assert Client().get(_url(late), headers=_key(world, "b")).status_code == 404


def test_pont_writes_its_messages_in_welsh_when_asked_and_codes_stay_the_same(world):
    headers = {**_key(world), "Accept-Language": "cy"}
    missing = Client().get(
        "/api/v1/referrals/00000000-0000-0000-0000-000000000000", headers=headers
    )
    assert missing.status_code == 404
    assert missing.json() == {"message": "Heb ddod o hyd i'r atgyfeiriad.", "extra": {}}
    no_such_path = Client().get("/api/v1/no-such-thing", headers=headers)
    assert no_such_path.json() == {"message": "Heb ddod o hyd iddo.", "extra": {}}
    referral = referral_in(world, "requested")
    unknown = _post(
        _url(referral, "/contact-attempts"),
        {"method": "phone", "attempted_at": "2026-11-27T10:15:00Z", "result": "reached", "x": 1},
        headers,
    )
    assert unknown.status_code == 422
    body = unknown.json()
    assert body["message"] == "Nid yw'r cais yn ddilys."
    assert body["extra"]["fields"]["x"] == [
        "Nid yw Pont yn adnabod y maes hwn: gwiriwch ei sillafu, neu gadewch ef allan."
    ]
    # Another provider's key, in Welsh too: as if there were no such referral.
    other = Client().get(_url(referral), headers={**_key(world, "b"), "Accept-Language": "cy"})
    assert other.json() == missing.json()


def test_a_field_the_status_or_type_does_not_use_is_refused_not_dropped(world):
    headers = _key(world)
    referral = referral_in(world, "requested")
    refused = Client().patch(
        _url(referral),
        json.dumps({"status": "accepted", "reason": "Will ring tomorrow", "note": "x"}),
        content_type="application/json",
        headers={**headers, "If-Match": f'"{referral.version}"'},
    )
    assert refused.status_code == 422
    fields = refused.json()["extra"]["fields"]
    assert set(fields) == {"reason", "note"}
    assert fields["reason"] == ["Not used when status is accepted: leave it out."]
    assert Referral.objects.get(pk=referral.pk).status == "requested"  # nothing done
    # Empty values of fields not used are no value at all: taken.
    taken = Client().patch(
        _url(referral),
        json.dumps({"status": "accepted", "reason": "", "note": ""}),
        content_type="application/json",
        headers={**headers, "If-Match": f'"{referral.version}"'},
    )
    assert taken.status_code == 200
    started = _post(
        _url(referral, "/outcomes"),
        {"type": "treatment_started", "started_at": "2026-11-27T10:00:00Z", "appointment_id": 5},
        headers,
    )
    assert started.status_code == 422
    assert set(started.json()["extra"]["fields"]) == {"appointment_id"}
    missing = _post(_url(referral, "/outcomes"), {"type": "attendance"}, headers, key="k-2")
    assert missing.status_code == 422
    assert missing.json()["extra"]["fields"] == {
        "appointment_id": ["Required here."],
        "attendance": ["Required here."],
    }
    # Another provider's key: as if there were no such referral.
    assert Client().get(_url(referral), headers=_key(world, "b")).status_code == 404
