"""The portal: an officer refers and sends; a provider works the referral; queues; export."""

import csv
import html
import io
import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.referrals.models import ClosureReason, Referral
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, FRONTLINE, PANEL, PROV_A, PROV_B
from pont.testing.referrals import (
    draft_referral,
    provider_service,
    reachable_person,
    referral_in,
    sent_earlier,
)


def _date(prefix: str, day) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


def test_an_officer_refers_from_the_persons_record_and_sends_when_details_are_complete(
    world, as_persona
):
    service = provider_service(world)
    person = reachable_person(world, phone="")
    officer = as_persona(CUSTODY)
    record = officer.get(person.get_absolute_url()).content.decode()
    assert f"/referrals/new?person={person.pk}" in record
    form = officer.get(f"/referrals/new?person={person.pk}")
    assert service.name in form.content.decode()
    created = post_form(
        officer,
        f"/referrals/new?person={person.pk}",
        {
            "service": str(service.pk),
            "reason": "Wants help with cocaine",
            "urgency": "routine",
            "legal_basis": "consent",
            "consent_confirmed": "on",
        },
    )
    assert created.status_code == 302
    referral = Referral.objects.get()
    page = officer.get(created["Location"]).content.decode()
    assert "This referral cannot be sent yet" in page
    assert "Add a UK phone number or a postal address" in page
    # Adding them comes back here.
    assert f"/contact-routes/new?next=/referrals/{referral.pk}" in page.replace("%2F", "/")
    # Send is offered all the same: Pont refuses it, naming what is missing, and remembers
    # that the first try was incomplete (the funnel's share).
    assert f'action="/referrals/{referral.pk}/send"' in page
    refused = post_form(officer, f"/referrals/{referral.pk}/send", {"version": referral.version})
    assert refused.status_code == 400
    assert "Add a UK phone number" in refused.content.decode()
    assert Referral.objects.get().status == "draft"
    assert Referral.objects.get().complete_at_first_attempt is False
    post_form(
        officer,
        f"/people/{person.pk}/contact-routes/new",
        {"kind": "phone", "use": "mobile", "phone": "07812 345678"},
    )
    sent = post_form(
        officer, f"/referrals/{referral.pk}/send", {"version": Referral.objects.get().version}
    )
    assert sent.status_code == 302
    assert Referral.objects.get().status == "requested"


def test_the_referral_form_names_each_missing_answer(world, as_persona):
    person = reachable_person(world)
    response = post_form(
        as_persona(CUSTODY), f"/referrals/new?person={person.pk}", {"legal_basis": "consent"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose the service to refer to" in html
    assert "Give the reason for the referral" in html
    # What the basis needs is said at once, not once the rest is right.
    assert "Confirm that the person has agreed to be referred" in html
    statutory = post_form(
        as_persona(CUSTODY), f"/referrals/new?person={person.pk}", {"legal_basis": "statutory"}
    ).content.decode()
    assert "Select the statutory power the referral is made under." in statutory
    assert "Choose the service to refer to" in statutory
    assert not Referral.objects.exists()


def test_a_provider_works_the_referral_through_the_portal(world, as_persona):
    referral = sent_earlier(referral_in(world, "requested"))
    worker = as_persona(PROV_A)
    queue = worker.get("/referrals/").content.decode()
    assert "Dylan Parry" in queue
    page = worker.get(referral.get_absolute_url()).content.decode()
    # On a phone, the worker calls the number the referral sent with one tap.
    assert '<a class="govuk-link" href="tel:+447812345678">07812 345678</a>' in page
    assert "Accept referral" in page
    assert (
        post_form(
            worker,
            f"/referrals/{referral.pk}/accept",
            {"already_known": "yes", "version": referral.version},
        ).status_code
        == 302
    )
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert referral.already_known_to_provider is True
    assert referral.assigned_worker == world.users[PROV_A]
    yesterday = timezone.localdate() - timedelta(days=1)
    assert (
        post_form(
            worker,
            f"/referrals/{referral.pk}/contact-attempts",
            {"method": "phone", **_date("day", yesterday), "at": "10:30", "result": "reached"},
        ).status_code
        == 302
    )
    # Booked for yesterday too, so that its attendance can be recorded (not before it starts).
    assert (
        post_form(
            worker,
            f"/referrals/{referral.pk}/appointments",
            {
                "kind": "assessment",
                **_date("day", yesterday),
                "at": "14:00",
                "place": "Llanelli hub",
            },
        ).status_code
        == 302
    )
    appointment = referral.appointments.get()
    assert (
        post_form(
            worker,
            f"/referrals/{referral.pk}/attendance",
            {"appointment": appointment.pk, "attendance": "attended"},
        ).status_code
        == 302
    )
    assert (
        post_form(
            worker, f"/referrals/{referral.pk}/treatment-start", _date("day", timezone.localdate())
        ).status_code
        == 302
    )
    closed = post_form(
        worker,
        f"/referrals/{referral.pk}/close",
        {
            "closure_reason": "planned_complete",
            "version": Referral.objects.get(pk=referral.pk).version,
        },
    )
    assert closed.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "completed"
    timeline = worker.get(referral.get_absolute_url()).content.decode()
    for step in (
        "Sent to the service",
        "Accepted",
        "Contact attempt",
        "Appointment booked",
        "Treatment started",
        "Closed",
    ):
        assert step in timeline
    # Each step says what it was: how the attempt went, which appointment and the answer,
    # why it closed.
    timeline = timeline.split(">Timeline<", 1)[1]
    assert "Phone call: Reached the person" in timeline
    when = timezone.localtime(appointment.starts_at)
    booked = f"{when.day} {when:%b %Y} 14:00, Assessment, Llanelli hub"
    assert timeline.count(booked) == 2  # booked, then attended
    assert f"{booked}: Attended" in timeline
    today = timezone.localdate()
    assert f"Started on {today.day} {today:%b %Y}" in timeline
    assert ClosureReason.objects.get(code="planned_complete").label in timeline


def test_a_bad_contact_attempt_shows_the_errors_on_the_referral_page(world, as_persona):
    referral = referral_in(world, "accepted")
    response = post_form(
        as_persona(PROV_A), f"/referrals/{referral.pk}/contact-attempts", {"at": "25:99"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Select how you tried to contact them",
        "Enter the date of the attempt",
        "Enter a time like 09:30",
        "Select what happened",
    ):
        assert message in html


def test_the_contact_attempt_form_chooses_nothing_for_the_worker(world, as_persona):
    """ "Reached the person" feeds the funnel's "reached" stage: never a default answer."""
    referral = referral_in(world, "accepted")
    html = as_persona(PROV_A).get(referral.get_absolute_url()).content.decode()
    for value in ("phone", "reached"):
        radio = re.search(rf'<input[^>]*value="{value}"[^>]*>', html)
        assert radio is not None, value
        assert 'type="radio"' in radio.group(0)
        assert "checked" not in radio.group(0)


def test_a_stale_form_says_the_referral_changed_and_keeps_what_was_typed(world, as_persona):
    from pont.referrals import services

    referral = referral_in(world, "accepted")
    opened = Referral.objects.get(pk=referral.pk).version
    # A colleague logs an attempt while the form is open.
    services.contact_attempt_log(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        method="phone",
        attempted_at=timezone.now(),
        result="no_answer",
    )
    again = post_form(
        as_persona(PROV_A),
        f"/referrals/{referral.pk}/close",
        {"closure_reason": "client_declined", "note": "Said no on the phone", "version": opened},
    )
    # Nothing saved, and nothing typed lost: the page as the referral now is, the form kept.
    assert again.status_code == 409
    page = again.content.decode()
    assert "This referral changed after you opened the page" in page
    assert "Said no on the phone</textarea>" in page
    assert '<option value="client_declined" selected>' in page
    assert Referral.objects.get(pk=referral.pk).closed_at is None


def test_another_providers_referral_page_is_not_found(world, as_persona):
    referral = referral_in(world, "requested")
    assert as_persona(PROV_B).get(referral.get_absolute_url()).status_code == 404
    assert as_persona(PANEL).get(referral.get_absolute_url()).status_code == 403


def test_a_persons_record_lists_the_referrals_its_reader_may_see(world, as_persona):
    """The referrer's force sees every referral of the person, a draft too; a provider only
    those sent to it; another provider, none of them (the record itself is not found); a
    panel member may not read records at all."""
    to_a = referral_in(world, "in-progress")
    person = to_a.person
    to_b = referral_in(world, "requested", which="b", person=person)
    draft = referral_in(world, "draft", person=person)
    record = person.get_absolute_url()

    officer = as_persona(CUSTODY).get(record).content.decode()
    for referral in (to_a, to_b, draft):
        assert f'href="{referral.get_absolute_url()}"' in officer
    assert "Reached by the service" in officer  # how far it has come
    provider_a = as_persona(PROV_A).get(record).content.decode()
    assert f'href="{to_a.get_absolute_url()}"' in provider_a
    assert to_b.reference not in provider_a
    assert draft.reference not in provider_a
    provider_b = as_persona(PROV_B).get(record).content.decode()
    assert to_b.reference in provider_b
    assert to_a.reference not in provider_b
    assert as_persona(PANEL).get(record).status_code == 403
    alone = reachable_person(world, given_name="Neb")  # never referred: no section
    assert (
        ">Referrals</h2>" not in as_persona(CUSTODY).get(alone.get_absolute_url()).content.decode()
    )
    assert as_persona(PROV_A).get(alone.get_absolute_url()).status_code == 404


def test_viewing_a_referral_or_a_queue_is_audited(world, as_persona):
    referral = referral_in(world, "requested")
    before = AuditEvent.objects.count()
    as_persona(PROV_A).get(referral.get_absolute_url())
    as_persona(PROV_A).get("/referrals/?queue=new")
    events = list(
        AuditEvent.objects.filter(sequence__gt=before).values_list(
            "operation", "subject_person_id", "detail"
        )
    )
    assert events == [
        ("consultation", referral.person_id, {}),
        ("consultation", referral.person_id, {"shown_in": "referral queue new"}),
    ]


def test_queues_show_new_mine_overdue_and_closed(world, as_persona):
    new = referral_in(world, "requested")
    mine = referral_in(world, "accepted", person=reachable_person(world, given_name="Mair"))
    old = referral_in(world, "requested", person=reachable_person(world, given_name="Hen"))
    Referral.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=14))
    closed = referral_in(world, "completed", person=reachable_person(world, given_name="Gorffen"))
    worker = as_persona(PROV_A)

    def names(queue):
        return worker.get(f"/referrals/?queue={queue}").content.decode()

    assert "Dylan Parry" in names("new")
    assert "Mair Parry" not in names("new")
    assert "Mair Parry" in names("mine")
    assert "Dylan Parry" not in names("mine")
    assert "Hen Parry" in names("overdue")
    assert "Dylan Parry" not in names("overdue")
    assert "Gorffen Parry" in names("closed")
    assert new.pk != mine.pk != closed.pk


def test_new_and_overdue_queues_put_urgent_referrals_first_then_the_longest_waiting(
    world, as_persona
):
    """The queues a worker triages; the others show the latest sent first."""
    import re

    ages = {"Hen": 20, "Canol": 15, "Brys": 12, "Ifanc": 10}  # days since sent
    for name, days in ages.items():
        referral = referral_in(world, "requested", person=reachable_person(world, given_name=name))
        Referral.objects.filter(pk=referral.pk).update(
            requested_at=timezone.now() - timedelta(days=days),
            urgency="urgent" if name == "Brys" else "routine",
        )

    def order(queue):
        page = as_persona(PROV_A).get(f"/referrals/?queue={queue}").content.decode()
        return re.findall(r">(\w+) Parry</a>", page)

    assert order("new") == ["Brys", "Hen", "Canol", "Ifanc"]
    assert order("overdue") == ["Brys", "Hen", "Canol", "Ifanc"]
    assert order("open") == ["Ifanc", "Brys", "Canol", "Hen"]


def test_the_queues_show_how_far_each_referral_has_come(world, as_persona):
    """The furthest stage reached and its day; a closed referral's closure reason; nothing
    before the provider has acted. For the referrer as for the provider."""
    import re

    today = f"{timezone.localdate():%-d %b %Y}"
    for state, name in (
        ("requested", "Anfon"),
        ("accepted", "Derbyn"),
        ("in-progress", "Cyrraedd"),
        ("failed", "Methu"),
    ):
        referral_in(world, state, person=reachable_person(world, given_name=name))

    def furthest(persona, queue):
        page = as_persona(persona).get(f"/referrals/?queue={queue}").content.decode()
        shown = {}
        for row in page.split("<tr")[2:]:  # after the header's row
            name = re.search(r">(\w+) Parry</a>", row).group(1)
            last = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1]
            shown[name] = re.sub(r"<[^>]+>|\s+", " ", last).split()
        return {name: " ".join(words) for name, words in shown.items()}

    assert furthest(PROV_A, "open") == {
        "Anfon": "–",
        "Derbyn": f"Accepted on {today}",
        "Cyrraedd": f"Reached by the service on {today}",
    }
    assert furthest(CUSTODY, "closed") == {"Methu": "Did not attend before assessment"}


def test_a_late_referral_says_what_it_is_late_for_and_when_that_was_due(world, as_persona):
    """On the queue and on its page, for the provider and the referrer alike."""
    from pont.referrals import selectors

    old = referral_in(world, "requested", person=reachable_person(world, given_name="Hen"))
    Referral.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=14))
    old.refresh_from_db()
    due = selectors.due_dates(old)
    accept_by = f"acceptance (due {due['accepted']:%-d %b %Y})"
    contact_by = f"the first contact attempt (due {due['first_contact_attempt']:%-d %b %Y})"
    on_time = referral_in(world, "requested")
    for persona, queue in ((PROV_A, "overdue"), (CUSTODY, "overdue"), (PROV_A, "new")):
        page = as_persona(persona).get(f"/referrals/?queue={queue}").content.decode()
        assert f"Overdue: {accept_by}, {contact_by}" in page, (persona, queue)
        assert page.count("Overdue:") == 1  # the referral on time says nothing
    export = post_form(as_persona(PROV_A), "/referrals/caseload.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    overdue = {row[0]: row[-1] for row in rows[1:]}
    assert overdue == {old.reference: "accepted first_contact_attempt", on_time.reference: ""}
    detail = as_persona(PROV_A).get(old.get_absolute_url()).content.decode()
    assert f"past its time limit for: {accept_by}, {contact_by}." in detail
    assert (
        "past its time limit"
        not in as_persona(PROV_A).get(on_time.get_absolute_url()).content.decode()
    )


def test_a_referral_page_says_which_time_limits_were_met_and_which_late(world, as_persona):
    from pont.referrals import selectors

    referral = referral_in(world, "accepted")  # sent and accepted today: in time
    page = as_persona(PROV_A).get(referral.get_absolute_url()).content.decode()
    today = f"{timezone.localdate():%-d %b %Y}"
    due = selectors.due_dates(referral)
    assert f"Accept by {due['accepted']:%-d %b %Y}: done on {today}" in page
    assert f"Treatment start by {due['treatment_start']:%-d %b %Y}<" in page  # not yet
    Referral.objects.filter(pk=referral.pk).update(requested_at=timezone.now() - timedelta(days=14))
    referral.refresh_from_db()
    due = selectors.due_dates(referral)
    page = as_persona(CUSTODY).get(referral.get_absolute_url()).content.decode()
    assert f"Accept by {due['accepted']:%-d %b %Y}: done late, on {today}" in page
    # Not yet reached and past its day: the warning says so, the row gives the day.
    assert "past its time limit for: the first contact attempt" in page
    # Ended: a limit not reached no longer applies, and the page says so.
    ended = referral_in(world, "rejected", person=reachable_person(world, given_name="Ann"))
    due = selectors.due_dates(ended)
    page = as_persona(PROV_A).get(ended.get_absolute_url()).content.decode()
    assert (
        f"Treatment start by {due['treatment_start']:%-d %b %Y}: "
        "no longer applies (the referral has ended)" in page
    )
    assert "past its time limit" not in page


def test_the_caseload_export_is_csv_and_each_person_in_it_is_logged_as_disclosed(world, as_persona):
    referral = referral_in(world, "accepted")
    referral_in(world, "requested", which="b", person=reachable_person(world, given_name="Other"))
    response = post_form(as_persona(PROV_A), "/referrals/caseload.csv")
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeffreference,".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["reference", "status", "sent", "service"]
    assert rows[0][-2:] == ["urgency", "overdue"]
    assert rows[1][-2:] == ["routine", ""]
    assert [row[5] for row in rows[1:]] == ["Dylan"]  # provider B's referral is not in it
    # Moments in UK local time with their offset, to the second, as the pages show them.
    sent = timezone.localtime(referral.requested_at).isoformat(timespec="seconds")
    assert rows[1][2] == sent
    assert sent[-6:] in ("+00:00", "+01:00")
    disclosure = AuditEvent.objects.filter(operation="disclosure", recipient="prov-a").get()
    assert disclosure.subject_person_id == referral.person_id


def test_the_caseload_export_says_when_a_referral_was_rejected_or_cancelled(world, as_persona):
    from pont.referrals import services

    rejected = referral_in(world, "rejected")
    cancelled = referral_in(world, "requested", person=reachable_person(world, given_name="Sam"))
    services.referral_cancel(
        actor=world.users[CUSTODY], referral_id=cancelled.pk, reason="Arranged elsewhere"
    )
    export = post_form(as_persona(PROV_A), "/referrals/caseload.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    by_reference = {row["reference"]: row for row in rows}
    for referral, column in ((rejected, "rejected"), (cancelled, "cancelled")):
        referral.refresh_from_db()
        moment = getattr(referral, f"{column}_at")
        assert by_reference[referral.reference][column] == timezone.localtime(moment).isoformat(
            timespec="seconds"
        )
        assert by_reference[referral.reference]["closed"] == ""
    assert post_form(as_persona(PROV_B), "/referrals/caseload.csv").status_code == 200
    other = b"".join(post_form(as_persona(PROV_B), "/referrals/caseload.csv").streaming_content)
    assert rejected.reference not in other.decode("utf-8-sig")


def test_a_draft_cancelled_before_it_was_sent_never_reaches_the_provider(world, as_persona):
    """It was never sent: the provider's page, lists, export, API and the person's record all
    answer as if it did not exist. A referral cancelled after it was sent stays theirs."""
    from django.test import Client

    from pont.referrals.tests.test_api import _key

    never_sent = referral_in(world, "cancelled", person=reachable_person(world, given_name="Jac"))
    assert never_sent.requested_at is None
    provider = as_persona(PROV_A)
    missing = f"/referrals/{Referral._meta.pk.to_python('00000000-0000-4000-8000-000000000000')}"
    for url in (f"/referrals/{never_sent.pk}", missing):
        assert provider.get(url).status_code == 404
    assert provider.get(never_sent.person.get_absolute_url()).status_code == 404
    assert "Jac" not in provider.get("/referrals/?queue=all").content.decode()
    export = b"".join(post_form(provider, "/referrals/caseload.csv").streaming_content).decode()
    assert "Jac" not in export
    api = Client()
    assert api.get("/api/v1/referrals/", headers=_key(world)).json()["items"] == []
    assert api.get(f"/api/v1/referrals/{never_sent.pk}", headers=_key(world)).status_code == 404
    # The officer who made it still sees it.
    assert as_persona(CUSTODY).get(f"/referrals/{never_sent.pk}").status_code == 200

    # Sent, then cancelled: the provider keeps it in its records.
    sent = referral_in(world, "requested", person=reachable_person(world, given_name="Sara"))
    from pont.referrals import services

    services.referral_cancel(actor=world.users[CUSTODY], referral_id=sent.pk, reason="Moved away")
    assert provider.get(f"/referrals/{sent.pk}").status_code == 200
    assert provider.get(sent.person.get_absolute_url()).status_code == 200


def test_a_person_referred_to_the_provider_stays_visible_beside_a_draft_of_theirs(
    world, as_persona
):
    """Visibility comes from a sent referral; another referral of theirs still in draft (to
    this provider or another) does not hide them."""
    person = reachable_person(world, given_name="Nia")
    referral_in(world, "requested", person=person)
    referral_in(world, "draft", person=person)
    referral_in(world, "draft", person=person, which="b")
    assert as_persona(PROV_A).get(person.get_absolute_url()).status_code == 200
    assert as_persona(PROV_B).get(person.get_absolute_url()).status_code == 404


def test_the_next_page_of_a_queue_is_the_same_queue(world, as_persona, monkeypatch):
    from pont.referrals import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("Aled", "Bethan", "Cerys"):
        referral_in(world, "requested", person=reachable_person(world, given_name=name))
    referral_in(world, "draft", person=reachable_person(world, given_name="Drafted"))
    officer = as_persona(CUSTODY)
    first = officer.get("/referrals/").content.decode()  # the default queue: sent, open
    (next_page,) = re.findall(r'href="([^"]*)" rel="next"', first)
    second = officer.get("/referrals/" + html.unescape(next_page)).content.decode()
    assert "Page 2 of 2" in second
    assert "Drafted" not in second
    assert sum(name in first + second for name in ("Aled", "Bethan", "Cerys")) == 3
    # An empty queue is the default one, not the first tab.
    assert "Drafted" not in officer.get("/referrals/?queue=&page=1").content.decode()


def _ids_and_targets(html: str) -> tuple[list[str], list[str], list[str]]:
    """Every id on the page, every label's `for`, and every error-summary link's target."""
    from html.parser import HTMLParser

    ids: list[str] = []
    labels: list[str] = []
    links: list[str] = []

    class Reader(HTMLParser):
        in_summary = 0

        def handle_starttag(self, tag, attrs):
            values = dict(attrs)
            if values.get("id"):
                ids.append(values["id"])
            if tag == "label" and values.get("for"):
                labels.append(values["for"])
            if "govuk-error-summary__list" in (values.get("class") or ""):
                self.in_summary = 1
            if self.in_summary and tag == "a" and (values.get("href") or "").startswith("#"):
                links.append(values["href"][1:])

        def handle_endtag(self, tag):
            if tag == "ul":
                self.in_summary = 0

    Reader().feed(html)
    return ids, labels, links


def test_the_referral_page_gives_every_field_its_own_id(world, as_persona):
    """The page holds several forms (a contact attempt, an appointment, one attendance form for
    each appointment waiting, treatment start, closure): no id twice, every label reaches
    its field, and every link of the error summary reaches the field it names."""
    from pont.referrals import services

    referral = sent_earlier(referral_in(world, "in-progress"), days=10)
    worker = world.users[PROV_A]
    for days in (2, 9):
        services.appointment_book(
            actor=worker,
            referral_id=referral.pk,
            starts_at=timezone.now() - timedelta(days=days),
            place="Llanelli hub",
        )
    provider = as_persona(PROV_A)
    ids, labels, _links = _ids_and_targets(
        provider.get(f"/referrals/{referral.pk}").content.decode()
    )
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert set(labels) <= set(ids)

    appointment = referral.appointments.order_by("starts_at").first()
    for url, data in (
        (f"/referrals/{referral.pk}/attendance", {"appointment": str(appointment.pk)}),
        (f"/referrals/{referral.pk}/appointments", {}),
        (f"/referrals/{referral.pk}/contact-attempts", {}),
        (f"/referrals/{referral.pk}/treatment-start", {}),
    ):
        refused = post_form(provider, url, data)
        assert refused.status_code == 400, url
        ids, labels, links = _ids_and_targets(refused.content.decode())
        assert links, url
        assert len(ids) == len(set(ids)), (url, sorted({i for i in ids if ids.count(i) > 1}))
        assert set(links) <= set(ids), (url, set(links) - set(ids))
        assert set(labels) <= set(ids), url


def test_a_contact_attempt_today_without_a_time_is_recorded_at_the_time_now(
    world, as_persona, monkeypatch
):
    """The form's date starts as today and its time is optional: sent like that before noon,
    it is not refused as in the future; a future date is refused at the date field."""
    from zoneinfo import ZoneInfo

    from pont.referrals.models import ContactAttempt

    morning = timezone.make_aware(timezone.datetime(2026, 11, 30, 9, 15), ZoneInfo("Europe/London"))
    monkeypatch.setattr(timezone, "now", lambda: morning)
    referral = referral_in(world, "accepted")
    provider = as_persona(PROV_A)
    url = f"/referrals/{referral.pk}/contact-attempts"
    answer = {"method": "phone", "result": "no_answer", **_date("day", morning.date())}
    assert post_form(provider, url, answer).status_code == 302
    assert ContactAttempt.objects.get().attempted_at == morning.replace(second=0)

    tomorrow = {**answer, **_date("day", morning.date() + timedelta(days=1))}
    refused = post_form(provider, url, tomorrow)
    assert refused.status_code == 400
    _ids, _labels, links = _ids_and_targets(refused.content.decode())
    assert links == ["contact_day_0"]
    assert ContactAttempt.objects.count() == 1


def test_the_referral_page_shows_no_heading_with_nothing_under_it(world, as_persona):
    provider = as_persona(PROV_A)
    open_page = provider.get(f"/referrals/{referral_in(world, 'accepted').pk}").content.decode()
    assert "What happens next" in open_page
    closed = referral_in(world, "completed", person=reachable_person(world, given_name="Cau"))
    assert "What happens next" not in provider.get(f"/referrals/{closed.pk}").content.decode()
    draft = referral_in(world, "draft", person=reachable_person(world, given_name="Drafft"))
    page = as_persona(CUSTODY).get(f"/referrals/{draft.pk}").content.decode()
    assert "copied from their record when the referral is sent" in page


def test_ending_a_referral_says_first_what_happens_to_its_appointments(world, as_persona):
    """The close form lists the appointments that wait for their attendance (closing is
    refused until it is recorded) and those still to come (closing cancels them)."""
    from pont.referrals import services

    referral = sent_earlier(referral_in(world, "in-progress"))
    worker = world.users[PROV_A]
    now = timezone.localtime()
    for starts_at, place in (
        (now - timedelta(hours=2), "Started hub"),
        (now + timedelta(days=3), "Later hub"),
    ):
        services.appointment_book(
            actor=worker, referral_id=referral.pk, starts_at=starts_at, place=place
        )
    provider = as_persona(PROV_A)
    page = provider.get(f"/referrals/{referral.pk}").content.decode()
    waiting = page.split('id="close-unrecorded"')[1].split("</div>")[0]
    assert "Started hub" in waiting
    assert "Later hub" not in waiting
    assert "Closing the referral cancels the appointments still to come" in page
    # Attendance is asked for only at the appointment that has started.
    assert page.count("Record attendance at the appointment on") == 1
    officer_page = as_persona(CUSTODY).get(f"/referrals/{referral.pk}").content.decode()
    assert "Cancelling the referral cancels the appointments still to come" in officer_page
    assert "close-unrecorded" not in officer_page

    refused = post_form(
        provider,
        f"/referrals/{referral.pk}/close",
        {
            "closure_reason": "dna_before_assessment",
            "version": str(Referral.objects.get(pk=referral.pk).version),
        },
    )
    # The page again, the refusal in its error summary and the reason chosen still chosen.
    assert refused.status_code == 409
    shown = refused.content.decode()
    assert "Record whether they came to the appointment on" in shown
    assert '<option value="dna_before_assessment" selected>' in shown
    assert "<title>Error: " in shown
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.IN_PROGRESS


def test_the_timeline_names_people_and_partner_systems(world, as_persona):
    from pont.referrals.models import ReferralEvent

    referral = referral_in(world, "accepted")
    ReferralEvent.objects.create(
        referral=referral, kind="assigned", at=timezone.now(), actor_label="api-client:7:Caseworx"
    )
    ReferralEvent.objects.create(
        referral=referral, kind="assigned", at=timezone.now(), actor_label="left-the-service"
    )
    page = as_persona(PROV_A).get(f"/referrals/{referral.pk}").content.decode()
    assert "by Custody Tester" in page  # sent it
    assert "by Prov_A Tester" in page  # accepted it
    assert "by custody<" not in page
    assert "by Caseworx (partner system)" in page
    assert "by left-the-service" in page  # a user name no longer known is shown as it was


def test_a_statutory_power_written_by_pont_reads_in_welsh_and_a_typed_one_as_typed(
    world, as_persona
):
    from django.utils import translation

    from pont.disposals.models import DisposalScheme
    from pont.referrals import services
    from pont.referrals.models import REQUIRED_ASSESSMENT_POWER, STATUTORY_POWERS
    from pont.testing.referrals import draft_referral, released_person

    # The conditional caution's power is the disposals reference data's, word for word.
    assert DisposalScheme.objects.get(code="conditional_caution").statutory_basis in (
        STATUTORY_POWERS
    )
    officer = as_persona(CUSTODY)
    # Made by its source (Test on arrest): the only way a Required Assessment's power is given.
    ours = draft_referral(
        world,
        person=released_person(world),
        source_kind=Referral.Source.TEST_ON_ARREST,
        legal_basis="statutory",
        statutory_basis=REQUIRED_ASSESSMENT_POWER,
    )
    typed = draft_referral(
        world,
        person=reachable_person(world, given_name="Teipio"),
        legal_basis="statutory",
        statutory_basis=services.POWERS_BY_HAND[0],
    )
    # Typed by hand before the power was a choice: kept, and shown as typed.
    Referral.objects.filter(pk=typed.pk).update(statutory_basis="Misuse of Drugs Act 1971 <s.23>")
    for referral in (ours, typed):
        services.referral_send(actor=world.users[CUSTODY], referral_id=referral.pk)
    with translation.override("cy"):
        welsh = officer.get(f"/referrals/{ours.pk}", headers={"accept-language": "cy"})
        typed_page = officer.get(f"/referrals/{typed.pk}", headers={"accept-language": "cy"})
    assert "Deddf Cyffuriau 2005 a.9 (Asesiad Gofynnol)" in welsh.content.decode()
    assert "Misuse of Drugs Act 1971 &lt;s.23&gt;" in typed_page.content.decode()
    english = officer.get(f"/referrals/{ours.pk}").content.decode()
    assert "Drugs Act 2005 s.9 (Required Assessment)" in english


def test_a_worker_gives_the_referral_to_a_colleague_who_is_told_by_a_link(
    world, as_persona, mailoutbox, django_capture_on_commit_callbacks
):
    """Only people who work referrals at the receiving provider can be chosen; the colleague
    gets an email with a link and nothing else."""
    from pont.referrals import mail_outbox
    from pont.referrals.models import ReferralEvent

    referral = referral_in(world, "requested")  # not yet accepted: no one has it
    colleague, manager = world.users[PROV_A], world.users["prov_a_mgr"]
    worker = as_persona("prov_a_mgr")
    page = worker.get(f"/referrals/{referral.pk}").content.decode()
    choices = page.split('id="assign_worker"')[1].split("</select>")[0]
    assert "Prov_A Tester" in choices
    assert "Prov_B Tester" not in choices  # another provider's worker
    assert "Custody Tester" not in choices  # the referrer's side
    url = f"/referrals/{referral.pk}/assign"
    version = Referral.objects.get(pk=referral.pk).version
    other = world.users[PROV_B]
    refused = post_form(worker, url, {"worker": str(other.pk), "version": str(version)})
    assert refused.status_code == 400
    assert "Choose someone from the list" in refused.content.decode()
    assert Referral.objects.get(pk=referral.pk).assigned_worker is None

    mail_outbox.send_due()  # the inbox's notice of the referral, sent as the worker would
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        given = post_form(worker, url, {"worker": str(colleague.pk), "version": str(version)})
    assert given.status_code == 302
    assert Referral.objects.get(pk=referral.pk).assigned_worker == colleague
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    body = mailoutbox[0].body
    assert referral.get_absolute_url() in body
    assert referral.person.family_name not in body
    assert ReferralEvent.objects.filter(referral=referral, kind="assigned").last().detail == {
        "worker": colleague.get_username()
    }
    # Taking it yourself tells nobody; giving it to nobody clears it.
    mailoutbox.clear()
    version = Referral.objects.get(pk=referral.pk).version
    with django_capture_on_commit_callbacks(execute=True):
        post_form(worker, url, {"worker": str(manager.pk), "version": str(version)})
    assert Referral.objects.get(pk=referral.pk).assigned_worker == manager
    assert mailoutbox == []
    version = Referral.objects.get(pk=referral.pk).version
    post_form(worker, url, {"worker": "", "version": str(version)})
    assert Referral.objects.get(pk=referral.pk).assigned_worker is None
    timeline = worker.get(f"/referrals/{referral.pk}").content.decode()
    assert "Given to Prov_A Tester." in timeline
    assert "Given to Prov_A_Mgr Tester." in timeline
    assert "No one has it now." in timeline
    assert post_form(as_persona(PROV_B), url, {"worker": ""}).status_code == 404
    assert post_form(as_persona(PANEL), url, {"worker": ""}).status_code == 403


def test_an_appointment_years_ahead_is_refused_at_its_date(world, as_persona):
    referral = referral_in(world, "accepted")
    later = timezone.localdate() + timedelta(days=800)
    refused = post_form(
        as_persona(PROV_A),
        f"/referrals/{referral.pk}/appointments",
        {"kind": "assessment", "at": "10:00", "place": "Llanelli hub", **_date("day", later)},
    )
    assert refused.status_code == 400
    _ids, _labels, links = _ids_and_targets(refused.content.decode())
    assert links == ["appointment_day_0"]
    assert "more than a year ahead" in refused.content.decode()


def test_a_worker_cancels_an_appointment_to_rearrange_it(world, as_persona):
    from pont.referrals import services
    from pont.referrals.models import Appointment

    referral = referral_in(world, "in-progress")
    booked = services.appointment_book(
        actor=world.users[PROV_A],
        referral_id=referral.pk,
        starts_at=timezone.now() + timedelta(days=2),
        place="Llanelli hub",
    )
    provider = as_persona(PROV_A)
    page = provider.get(f"/referrals/{referral.pk}").content.decode()
    assert "Cancel an appointment" in page
    assert "To rearrange an appointment, cancel it, then book the new time." in page
    url = f"/referrals/{referral.pk}/appointments/cancel"
    refused = post_form(provider, url, {})
    assert refused.status_code == 400
    _ids, _labels, links = _ids_and_targets(refused.content.decode())
    assert links == ["cancel_appointment_appointment_0"]
    done = post_form(provider, url, {"appointment": str(booked.pk)})
    assert done.status_code == 302
    assert Appointment.objects.get(pk=booked.pk).attendance == "cancelled"
    after = provider.get(done["Location"]).content.decode()
    assert "The appointment has been cancelled." in after
    assert "Appointment cancelled" in after  # the timeline
    assert "Cancel an appointment" not in after  # nothing left to cancel
    assert post_form(as_persona(PROV_B), url, {}).status_code == 404
    assert post_form(as_persona(PANEL), url, {}).status_code == 403


def test_a_referrers_queues_are_the_forces_with_who_made_each_and_only_yours_one_click_away(
    world, as_persona
):
    mine = draft_referral(world, person=reachable_person(world, given_name="Mererid"))
    theirs = draft_referral(
        world,
        person=reachable_person(world, given_name="Tudur"),
        actor=world.users[FRONTLINE],
    )
    officer = as_persona(CUSTODY)
    everyone = officer.get("/referrals/?queue=drafts").content.decode()
    assert "Referrals your force has made" in everyone
    assert "Mererid" in everyone
    assert "Tudur" in everyone
    assert "Made by" in everyone
    assert "Frontline Tester" in everyone  # the colleague who made it is named
    assert 'href="?queue=drafts&amp;by=me"' in everyone
    only = officer.get("/referrals/?queue=drafts&by=me").content.decode()
    assert "Mererid" in only
    assert "Tudur" not in only
    assert "Showing only the referrals you made." in only
    # The tabs keep the choice.
    assert 'href="?queue=open&amp;by=me"' in only
    # The colleague sees theirs as "only yours".
    colleague = as_persona(FRONTLINE).get("/referrals/?queue=drafts&by=me").content.decode()
    assert "Tudur" in colleague
    assert "Mererid" not in colleague
    assert mine.referred_by != theirs.referred_by
    # A provider's queues are not narrowed by it (its referrals are made by others).
    for state in ("requested",):
        referral_in(world, state, person=reachable_person(world, given_name="Sioned"))
    provider = as_persona(PROV_A).get("/referrals/?queue=new&by=me").content.decode()
    assert "Sioned" in provider
    assert "Made by" not in provider
    # Without the capability: refused.
    assert as_persona(PANEL).get("/referrals/?queue=drafts&by=me").status_code == 403


def test_accepting_says_when_the_first_contact_attempt_is_due_and_if_it_has_passed(
    world, as_persona
):
    from pont.referrals.selectors import due_dates

    worker = as_persona(PROV_A)
    fresh = referral_in(world, "requested", person=reachable_person(world, given_name="Nia"))
    done = post_form(worker, f"/referrals/{fresh.pk}/accept", {"version": fresh.version})
    accepted = worker.get(done["Location"]).content.decode()
    due = due_dates(fresh)["first_contact_attempt"]
    assert f"Try to contact the person by {due.day} {due:%B %Y}" in accepted
    assert "2 working days" not in accepted
    late = sent_earlier(
        referral_in(world, "requested", person=reachable_person(world, given_name="Osian")),
        days=20,
    )
    done = post_form(worker, f"/referrals/{late.pk}/accept", {"version": late.version})
    page = worker.get(done["Location"]).content.decode()
    due = due_dates(late)["first_contact_attempt"]
    assert f"was due by {due.day} {due:%B %Y}: try to contact them today" in page
    # Another provider's worker: the same answer as for no referral at all.
    other = referral_in(world, "requested", person=reachable_person(world, given_name="Pryderi"))
    refused = {"version": other.version}
    assert (
        post_form(as_persona(PROV_B), f"/referrals/{other.pk}/accept", refused).status_code == 404
    )
    assert post_form(as_persona(PANEL), f"/referrals/{other.pk}/accept", refused).status_code == 403


def test_an_action_the_status_does_not_allow_says_what_to_do_instead(world, as_persona):
    worker = as_persona(PROV_A)
    requested = referral_in(world, "requested", person=reachable_person(world, given_name="Nia"))
    refused = post_form(
        worker,
        f"/referrals/{requested.pk}/contact-attempts",
        {
            "method": "phone",
            **_date("day", timezone.localdate()),
            "at": "00:00",
            "result": "reached",
        },
    )
    assert refused.status_code == 409
    assert "Accept the referral first." in refused.content.decode()
    accepted = referral_in(world, "accepted", person=reachable_person(world, given_name="Osian"))
    refused = post_form(
        worker,
        f"/referrals/{accepted.pk}/treatment-start",
        {**_date("day", timezone.localdate())},
    )
    assert refused.status_code == 409
    assert "Record a contact attempt, an appointment" in refused.content.decode()
    ended = referral_in(world, "failed", person=reachable_person(world, given_name="Rhian"))
    refused = post_form(
        worker,
        f"/referrals/{ended.pk}/contact-attempts",
        {
            "method": "phone",
            **_date("day", timezone.localdate()),
            "at": "00:00",
            "result": "reached",
        },
    )
    assert refused.status_code == 409
    assert "The referral has ended" in refused.content.decode()


def test_an_officer_refers_someone_from_a_services_page(world, as_persona):
    service = provider_service(world)
    person = reachable_person(world, given_name="Gwenllian")
    officer = as_persona(FRONTLINE)
    page = officer.get(service.get_absolute_url()).content.decode()
    search = f"/people/?refer_to={service.pk}"
    assert f'href="{search}"' in page
    assert "Refer someone to this service" in page
    found = post_form(officer, search, {"name": "Gwenllian"}, follow=True).content.decode()
    assert f"Referring to {service.display_name}" in found
    link = f"/referrals/new?person={person.pk}&amp;service={service.pk}"
    assert link in found
    form = officer.get(link.replace("&amp;", "&")).content.decode()
    assert re.search(rf'<option value="{service.pk}"[^>]*selected', form)
    # A service id that is not one of the choices chooses nothing (and is not an error).
    other = officer.get(f"/referrals/new?person={person.pk}&service=not-a-uuid")
    assert other.status_code == 200
    assert (
        " selected"
        not in other.content.decode().split('name="service"', 1)[1].split("</select>", 1)[0]
    )
    # Without the capability to refer: no button, no "Refer" links; a provider worker may
    # not open the form at all.
    panel_page = as_persona(PANEL).get(service.get_absolute_url()).content.decode()
    assert "Refer someone to this service" not in panel_page
    assert as_persona(PROV_A).get(link.replace("&amp;", "&")).status_code == 403
    closed = provider_service(world, "b")
    closed.accepts_referrals = False
    closed.save()
    assert (
        "Referring to"
        not in post_form(
            officer, f"/people/?refer_to={closed.pk}", {"name": "Gwenllian"}, follow=True
        ).content.decode()
    )


def test_a_draft_whose_service_has_stopped_taking_referrals_says_to_change_it(world, as_persona):
    """Sending is refused (409) and the page says what to do, with the way to do it."""
    referral = draft_referral(world)
    service = provider_service(world)
    type(service).objects.filter(pk=service.pk).update(accepts_referrals=False)
    officer = as_persona(CUSTODY)
    refused = post_form(officer, f"/referrals/{referral.pk}/send", {"version": referral.version})
    assert refused.status_code == 409
    page = html.unescape(refused.content.decode())
    assert "Change the draft to another service, or cancel it." in page
    assert f'href="/referrals/{referral.pk}/change"' in page
    assert Referral.objects.get(pk=referral.pk).status == "draft"
    # A provider's worker may not send referrals at all (the capability: 403).
    other = post_form(
        as_persona(PROV_A), f"/referrals/{referral.pk}/send", {"version": referral.version}
    )
    assert other.status_code == 403


def test_a_draft_says_where_the_service_may_not_fit_the_person_but_may_still_be_sent(
    world, as_persona
):
    from pont.directory.models import ServiceArea, ServiceLanguage
    from pont.people import services as people
    from pont.people.models import Person

    service = provider_service(world)
    person = reachable_person(world, given_name="Elen")  # born 30 July 1995
    referral = draft_referral(world, person=person)
    officer = as_persona(CUSTODY)
    page = officer.get(referral.get_absolute_url()).content.decode()
    assert "Check that the service fits the person" not in page  # nothing known against it
    service.maximum_age = 25
    service.save()
    ServiceLanguage.objects.create(service=service, code="en", name="English")
    ServiceArea.objects.create(service=service, county="carmarthenshire")
    Person.objects.filter(pk=person.pk).update(preferred_language="cy")
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="home",
        values={
            "address_line_1": "1 Stryd y Bont",
            "town": "Llandrindod Wells",
            "county": "Powys",
            "postcode": "LD1 5AA",
        },
    )
    page = officer.get(referral.get_absolute_url()).content.decode()
    today = timezone.localdate()
    age = today.year - 1995 - (today < today.replace(month=7, day=30))
    for line in (
        "Check that the service fits the person",
        f"Elen is {age}; the service is for people aged up to 25.",
        "Elen prefers Welsh; the service does not say it is offered in Welsh.",
        "Elen&#x27;s address is outside the counties it covers (Carmarthenshire).",
    ):
        assert line in page, line
    # A warning, not a refusal: it is sent.
    sent = post_form(officer, f"/referrals/{referral.pk}/send", {"version": referral.version})
    assert sent.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == "requested"
    # The provider's page does not carry it (the referrer's check, before sending).
    assert (
        "Check that the service fits"
        not in as_persona(PROV_A).get(referral.get_absolute_url()).content.decode()
    )
    assert as_persona(PROV_B).get(referral.get_absolute_url()).status_code == 404


def test_an_officer_changes_a_draft_from_its_page_before_sending(world, as_persona):
    draft = draft_referral(world, person=reachable_person(world, given_name="Llinos"))
    other = provider_service(world, "b")
    officer = as_persona(CUSTODY)
    page = officer.get(draft.get_absolute_url()).content.decode()
    change = f"/referrals/{draft.pk}/change"
    assert f'href="{change}"' in page
    before = AuditEvent.objects.count()
    form = officer.get(change)
    assert form.status_code == 200
    html = form.content.decode()
    assert "Change the draft referral" in html
    assert "Cocaine use; wants help" in html  # what it says now, to correct
    assert re.search(rf'<option value="{draft.service_id}"[^>]*selected', html)
    viewed = AuditEvent.objects.filter(sequence__gt=before).get()
    assert viewed.detail["shown_in"] == "draft change form"
    # Consent is confirmed again; what is missing is named.
    refused = post_form(
        officer,
        change,
        {
            "service": str(other.pk),
            "reason": "",
            "urgency": "urgent",
            "legal_basis": "consent",
            "version": draft.version,
        },
    )
    assert refused.status_code == 400
    assert "Give the reason for the referral" in refused.content.decode()
    assert "Confirm that the person has agreed" in refused.content.decode()
    done = post_form(
        officer,
        change,
        {
            "service": str(other.pk),
            "reason": "Cocaine and alcohol",
            "urgency": "urgent",
            "legal_basis": "consent",
            "consent_confirmed": "on",
            "version": draft.version,
        },
    )
    assert done.status_code == 302
    changed = Referral.objects.get(pk=draft.pk)
    assert (changed.service_id, changed.reason, changed.urgency) == (
        other.pk,
        "Cocaine and alcohol",
        "urgent",
    )
    timeline = officer.get(draft.get_absolute_url()).content.decode()
    assert "Draft changed" in timeline
    assert "Changed: reason for referral, service, urgency" in timeline
    # Opened before that change: refused, the typed answers kept.
    stale = post_form(
        officer,
        change,
        {
            "service": str(other.pk),
            "reason": "Typed on the old page",
            "urgency": "routine",
            "legal_basis": "consent",
            "consent_confirmed": "on",
            "version": draft.version,
        },
    )
    assert stale.status_code == 409
    assert "Typed on the old page" in stale.content.decode()
    # Once sent it is not a draft: the page says so and goes back.
    services_sent = post_form(officer, f"/referrals/{draft.pk}/send", {"version": changed.version})
    assert services_sent.status_code == 302
    after = officer.get(change)
    assert after.status_code == 302
    assert "It has been sent already." in officer.get(after["Location"]).content.decode()
    # A provider cannot change it (not a referrer: 403), another force's... nor see a draft.
    assert as_persona(PROV_B).get(change).status_code == 403
    assert as_persona(PANEL).get(change).status_code == 403
    unsent = draft_referral(world, person=reachable_person(world, given_name="Mabon"))
    assert as_persona(FRONTLINE).get(f"/referrals/{unsent.pk}/change").status_code == 200


def test_a_forms_address_opened_as_a_link_says_what_to_do_in_both_languages(world, as_persona):
    referral = referral_in(world, "requested")
    response = as_persona(CUSTODY).get(f"/referrals/{referral.pk}/send")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "This page cannot be opened like this" in html
    assert "Nothing has been saved or changed." in html
    assert 'lang="cy"' in html
    # Still refused first for whoever may not use it at all.
    assert as_persona(PANEL).get(f"/referrals/{referral.pk}/send").status_code == 403


def test_a_stale_tabs_action_the_status_no_longer_allows_says_what_to_do_instead(world, as_persona):
    from pont.referrals import services as engine

    referral = referral_in(world, "requested")
    opened = referral.version  # the second tab was opened here
    engine.referral_accept(actor=world.users[PROV_A], referral_id=referral.pk)
    refused = post_form(
        as_persona(PROV_A),
        f"/referrals/{referral.pk}/reject",
        {"reject-reason": "Out of area", "version": opened},
    )
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "It has been accepted or rejected already." in page
    assert "changed after you opened the page" not in page
    # Still allowed, only stale: the usual message, the typed text kept.
    opened = Referral.objects.get(pk=referral.pk).version
    engine.referral_assign(actor=world.users[PROV_A], referral_id=referral.pk, worker=None)
    stale = post_form(
        as_persona(PROV_A),
        f"/referrals/{referral.pk}/close",
        {"closure_reason": "client_declined", "note": "Typed in the old tab", "version": opened},
    )
    assert stale.status_code == 409
    assert "changed after you opened the page" in stale.content.decode()
    assert "Typed in the old tab" in stale.content.decode()
    other = {"reject-reason": "x", "version": opened}
    refused_b = post_form(as_persona(PROV_B), f"/referrals/{referral.pk}/reject", other)
    assert refused_b.status_code == 404


def test_the_provider_corrects_a_recorded_attendance_from_the_page(world, as_persona):
    from pont.referrals import services

    referral = sent_earlier(referral_in(world, "in-progress"), days=10)
    worker = world.users[PROV_A]
    appointment = services.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() - timedelta(days=2),
        place="Llanelli hub",
    )
    provider = as_persona(PROV_A)
    url = f"/referrals/{referral.pk}/attendance/correct"
    # Nothing answered yet: nothing to correct, so no form.
    assert (
        "Correct a recorded attendance"
        not in provider.get(url[: -len("/attendance/correct")]).content.decode()
    )
    services.attendance_record(
        actor=worker,
        referral_id=referral.pk,
        appointment_id=appointment.pk,
        attendance="did_not_attend",
    )
    page = provider.get(f"/referrals/{referral.pk}").content.decode()
    assert "Correct a recorded attendance" in page
    assert f"{appointment.described}: Did not attend" in page
    # The police follow the referral but do not correct the provider's record.
    officer_page = as_persona(CUSTODY).get(f"/referrals/{referral.pk}").content.decode()
    assert "Correct a recorded attendance" not in officer_page

    refused = post_form(provider, url, {})
    assert refused.status_code == 400
    ids, labels, links = _ids_and_targets(refused.content.decode())
    assert set(links) == {  # radios: the first of each
        "correct_attendance_appointment_0",
        "correct_attendance_attendance_0",
        "correct_attendance_reason",
    }
    assert set(links) <= set(ids)
    assert len(ids) == len(set(ids))
    same = post_form(
        provider,
        url,
        {"appointment": appointment.pk, "attendance": "did_not_attend", "reason": "Wrong"},
    )
    assert same.status_code == 400
    assert "That is the answer recorded already" in same.content.decode()

    done = post_form(
        provider,
        url,
        {"appointment": appointment.pk, "attendance": "attended", "reason": "Wrong button"},
    )
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.attendance == "attended"
    timeline = as_persona(CUSTODY).get(f"/referrals/{referral.pk}").content.decode()
    assert "Attendance corrected" in timeline
    assert "Why: Wrong button" in timeline
    assert f"{appointment.described}: Attended, not did not attend" in timeline


def test_the_provider_reads_the_changed_reason_and_what_it_said_before(world, as_persona):
    from django.conf import settings

    from pont.referrals import services

    referral = referral_in(world, "accepted")
    said = referral.reason
    services.referral_reason_change(
        actor=world.users[CUSTODY], referral_id=referral.pk, reason="Now due by 17/12/2026."
    )
    page = html.unescape(as_persona(PROV_A).get(referral.get_absolute_url()).content.decode())
    assert "Now due by 17/12/2026." in page
    assert "Reason changed by the referrer" in page
    assert f"It said before:<br>{said}" in page
    welsh = as_persona(PROV_A)
    welsh.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    assert (
        "Newidiwyd y rheswm gan yr atgyfeiriwr"
        in welsh.get(referral.get_absolute_url()).content.decode()
    )
    assert as_persona(PROV_B).get(referral.get_absolute_url()).status_code == 404


def test_the_officer_changes_what_a_referral_made_by_hand_asks_from_its_page(world, as_persona):
    from pont.testing.disposals import condition_referral, issued_conditional_caution

    referral = referral_in(world, "accepted")
    officer = as_persona(CUSTODY)
    page = officer.get(referral.get_absolute_url()).content.decode()
    assert "Change what you ask of the service" in page
    address = reverse("referrals:reason", args=[referral.pk])
    empty = post_form(officer, address, {"change-reason": " ", "version": referral.version})
    assert empty.status_code == 400
    assert "Say what you ask of the service" in empty.content.decode()
    changed = post_form(
        officer,
        address,
        {"change-reason": "Drinking too; calls after 2pm", "version": referral.version},
    )
    assert changed.status_code == 302
    assert (
        "The referral has been changed. The service is told."
        in officer.get(changed["Location"]).content.decode()
    )
    assert Referral.objects.get(pk=referral.pk).reason == "Drinking too; calls after 2pm"
    # Sent again from the page as it was (the old version): someone changed it since.
    stale = post_form(officer, address, {"change-reason": "Other", "version": referral.version})
    assert stale.status_code == 409
    # The provider may not, and does not see the form.
    provider = as_persona(PROV_A)
    assert "Change what you ask" not in provider.get(referral.get_absolute_url()).content.decode()
    assert post_form(provider, address, {"change-reason": "x"}).status_code == 403
    # A referral made from a disposal's condition: no form, and a POST is refused.
    made = condition_referral(issued_conditional_caution(world))
    assert "Change what you ask" not in officer.get(made.get_absolute_url()).content.decode()
    refused = post_form(
        officer,
        reverse("referrals:reason", args=[made.pk]),
        {"change-reason": "Something else", "version": made.version},
    )
    assert refused.status_code == 409
    assert "change it there" in refused.content.decode()
