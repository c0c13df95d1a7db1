"""The out-of-court disposals scrutiny panel: the monthly sample (only the month's finished
disposals, its size, a draw repeated from its seed, once per force-month, the job and the
command), who takes part (403 without the capability, 404 out of scope), reviews until the
sample closes, the answers, the report PDF, the audit trail, and the proof that nothing
identifying reaches the panel: unique marker strings are seeded into the person's and the
officers' names and details and written into every free text of the disposal, and none of
them is found on any page or in the PDF the panel member or the commissioner's office gets."""

import io
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from pypdf import PdfReader

from pont.accounts import services as accounts
from pont.accounts.models import Organisation
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.navigation import nav_items_for
from pont.disposals import documents, scrutiny_report, scrutiny_selectors, scrutiny_services
from pont.disposals.models import ScrutinyCase, ScrutinyReview, ScrutinySample
from pont.disposals.tasks import draw_scrutiny_samples
from pont.people import services as people
from pont.testing.disposals import (
    recorded_disposal,
    scrutiny_finished_disposal,
    scrutiny_sample_drawn,
)
from pont.testing.http import post_form
from pont.testing.personas import (
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    OPCC,
    PANEL,
    PROV_A,
    TEST_PASSWORD,
    World,
    client_for,
)

pytestmark = pytest.mark.django_db

LIST = "/disposals/scrutiny"
DRAW = "/disposals/scrutiny/draw"


@pytest.fixture(autouse=True)
def fast_notice(monkeypatch):
    """The notice given at issue is not what these tests are about (test_documents.py)."""
    monkeypatch.setattr(documents, "notice_pdf", lambda data: f"%PDF-1.7 {data.reference}".encode())


def months_ago(count: int) -> date:
    first = timezone.localdate().replace(day=1)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def on(month: date, day: int = 10, hour: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(month.replace(day=day), time(hour, 0)))


def sample_page(sample: ScrutinySample) -> str:
    return f"/disposals/scrutiny/{sample.pk}"


def case_page(case: ScrutinyCase) -> str:
    return f"/disposals/scrutiny/cases/{case.pk}"


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def events_since(sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence"))


def finished(world: World, count: int, month: date, **overrides: object) -> list:
    return [
        scrutiny_finished_disposal(world, on(month, day=1 + i % 27), **overrides)
        for i in range(count)
    ]


def member_of_another_office(world: World, username: str, role: str = Role.PANEL_MEMBER):
    """A panel member (or commissioner's officer) of another force's commissioner's office."""
    office = Organisation.objects.filter(slug="gwent-opcc").first() or (
        accounts.organisation_create(
            actor=None, name="Gwent OPCC", slug="gwent-opcc", kind="commissioner"
        )
    )
    place = office
    if role == Role.PANEL_MEMBER:
        place = accounts.organisation_create(
            actor=None, name="Gwent panel", slug=f"gwent-{username}", kind="panel", parent=office
        )
    user, _initial = accounts.user_create(
        actor=None,
        username=username,
        given_name=username.title(),
        family_name="Resident",
        email=f"{username}@example.test",
        password=TEST_PASSWORD,
    )
    accounts.membership_create(actor=None, user=user, organisation=place, role=role)
    return user


@pytest.fixture
def two_offices(world, settings):
    """A second force overseen by a second commissioner's office (PONT_COMMISSIONER_FORCES)."""
    accounts.organisation_create(actor=None, name="Gwent Police", slug="gwent", kind="force")
    settings.PONT_COMMISSIONER_FORCES = {"opcc": ["dpp"], "gwent-opcc": ["gwent"]}
    return world


# The draw -----------------------------------------------------------------------------------


def test_the_draw_is_the_same_for_the_same_seed_whatever_the_order_given():
    population = [f"id-{n:02d}" for n in range(40)]
    drawn = scrutiny_services.draw(population, 10, 12345)
    assert len(drawn) == len(set(drawn)) == 10
    assert scrutiny_services.draw(list(reversed(population)), 10, 12345) == drawn
    assert sorted(scrutiny_services.draw(population, 50, 1)) == population  # fewer: all
    assert len({tuple(scrutiny_services.draw(population, 10, seed)) for seed in range(10)}) > 1


def test_a_sample_holds_only_the_months_finished_disposals_and_its_seed_repeats_it(world, settings):
    settings.PONT_SCRUTINY_SAMPLE_SIZE = 3
    month = months_ago(1)
    completed = finished(world, 3, month)
    closed = finished(world, 1, month, closed=True)
    finished(world, 1, months_ago(2))  # finished the month before
    scrutiny_finished_disposal(world)  # finished today: this month
    recorded_disposal(world)  # a draft: not finished
    sample = scrutiny_services.scrutiny_samples_draw_due()[0]
    assert (sample.month, sample.size, sample.population) == (month, 3, 4)
    cases = list(sample.cases.order_by("position"))
    assert [c.position for c in cases] == [1, 2, 3]
    month_ids = {str(d.pk) for d in completed + closed}
    assert {str(c.disposal_id) for c in cases} <= month_ids
    # Anyone can repeat the draw from the seed kept on the sample.
    population = scrutiny_selectors.population_of(controller_id=world.force.pk, month=month)
    assert set(population) == month_ids
    assert scrutiny_services.draw(population, sample.size, sample.seed) == [
        str(c.disposal_id) for c in cases
    ]


def test_a_month_with_fewer_finished_than_the_size_gives_all_of_them(world):
    month = months_ago(1)
    made = finished(world, 2, month)
    sample = scrutiny_sample_drawn(world, month, size=10)
    assert sample.size == 10
    assert {c.disposal_id for c in sample.cases.all()} == {d.pk for d in made}


@pytest.mark.parametrize(("value", "size"), [(None, 10), (4, 4), (0, 1), (99, 30), ("x", 10)])
def test_the_size_comes_from_the_setting_kept_within_range(settings, value, size):
    if value is None:
        del settings.PONT_SCRUTINY_SAMPLE_SIZE
    else:
        settings.PONT_SCRUTINY_SAMPLE_SIZE = value
    assert scrutiny_services.sample_size_setting() == size


def test_drawing_by_hand_names_every_wrong_field_and_writes_nothing(world):
    with pytest.raises(ApplicationError) as refused:
        scrutiny_services.scrutiny_sample_draw(
            actor=world.users[OPCC], force_id="not a force", month=None, size=0
        )
    assert set(refused.value.extra["fields"]) == {"force", "month", "size"}
    this_month = timezone.localdate().replace(day=1)
    for month, words in ((this_month, "has not"), (months_ago(1), "No out-of-court disposal")):
        with pytest.raises(ApplicationError) as refused:
            scrutiny_sample_drawn(world, month)
        assert words in refused.value.extra["fields"]["month"][0]
    assert not ScrutinySample.objects.exists()


def test_a_month_is_drawn_once(world):
    month = months_ago(1)
    finished(world, 1, month)
    scrutiny_sample_drawn(world, month)
    with pytest.raises(ConflictError) as again:
        scrutiny_sample_drawn(world, month)
    assert "was drawn on" in again.value.extra["fields"]["month"][0]
    assert scrutiny_services.scrutiny_samples_draw_due() == []
    assert ScrutinySample.objects.count() == 1


def test_the_job_draws_last_month_once_for_each_force_with_finished_disposals(world):
    accounts.organisation_create(actor=None, name="Gwent Police", slug="gwent", kind="force")
    finished(world, 2, months_ago(1))
    before = last_sequence()
    result = draw_scrutiny_samples.enqueue()  # the test settings run tasks at once
    sample = ScrutinySample.objects.get()  # Gwent had no finished disposal: no sample
    assert result.return_value == [sample.pk]
    assert draw_scrutiny_samples.enqueue().return_value == []
    assert (sample.controller, sample.drawn_by) == (world.force, None)
    drawn = [e for e in events_since(before) if e.object_type == "disposals.scrutinysample"]
    assert [(e.operation, e.actor_id) for e in drawn] == [("collection", None)]
    assert drawn[0].detail["finished"] == 2
    out = io.StringIO()
    call_command("draw-scrutiny-samples", stdout=out)
    assert "No sample was due" in out.getvalue()


def test_the_command_says_what_it_drew(world):
    finished(world, 3, months_ago(1))
    out = io.StringIO()
    call_command("draw-scrutiny-samples", stdout=out)
    assert "Dyfed-Powys Police" in out.getvalue()
    assert "3 of 3 finished disposals sampled" in out.getvalue()


# Who takes part -----------------------------------------------------------------------------


def test_only_the_commissioners_officer_draws_by_hand(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    for code in (PANEL, INSPECTOR, FRONTLINE):
        with pytest.raises(ApplicationError) as refused:
            scrutiny_sample_drawn_as(world, code, month)
        assert refused.value.status == 403
        assert as_persona(code).get(DRAW).status_code == 403
        assert post_form(as_persona(code), DRAW, {"month": f"{month:%Y-%m}"}).status_code == 403
    client = as_persona(OPCC)
    page = client.get(DRAW)
    assert page.status_code == 200
    assert "Dyfed-Powys Police" in page.content.decode()
    empty = post_form(client, DRAW, {})
    assert empty.status_code == 400
    assert "Enter the month to sample" in empty.content.decode()
    bad = post_form(client, DRAW, {"force": world.force.pk, "month": "2026-13", "size": "x"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter the month like 2026-11" in text
    assert "Enter the number of cases as a whole number" in text
    drawn = post_form(client, DRAW, {"force": world.force.pk, "month": f"{month:%Y-%m}"})
    assert drawn.status_code == 302
    sample = ScrutinySample.objects.get()
    assert drawn["Location"] == sample_page(sample)
    assert sample.drawn_by == world.users[OPCC]
    again = post_form(client, DRAW, {"force": world.force.pk, "month": f"{month:%Y-%m}"})
    assert again.status_code == 400
    assert "was drawn on" in again.content.decode()


def scrutiny_sample_drawn_as(world: World, code: str, month: date) -> ScrutinySample:
    return scrutiny_services.scrutiny_sample_draw(
        actor=world.users[code], force_id=world.force.pk, month=month
    )


def test_only_the_panel_and_the_commissioners_office_see_samples(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    case = sample.cases.get()
    for code in (PANEL, OPCC):
        client = as_persona(code)
        for path in (LIST, sample_page(sample), case_page(case)):
            assert client.get(path).status_code == 200, (code, path)
    for code in (FRONTLINE, INSPECTOR, CUSTODY, PROV_A):
        client = as_persona(code)
        for path in (
            LIST,
            sample_page(sample),
            case_page(case),
            f"{sample_page(sample)}/report.pdf",
        ):
            assert client.get(path).status_code == 403, (code, path)
    # A sample or case that does not exist: not found.
    client = as_persona(PANEL)
    assert client.get(f"/disposals/scrutiny/{sample.pk + 100}").status_code == 404
    assert client.get(f"/disposals/scrutiny/cases/{case.pk + 100}").status_code == 404


def test_another_forces_office_and_panel_get_not_found(two_offices, client):
    world = two_offices
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    case = sample.cases.get()
    resident = member_of_another_office(world, "gwentresident")
    officer = member_of_another_office(world, "gwentofficer", Role.COMMISSIONERS_OFFICER)
    for user in (resident, officer):
        page = client_for_user(user)
        listing = page.get(LIST)
        assert listing.status_code == 200
        assert sample_page(sample) not in listing.content.decode()
        for path in (sample_page(sample), case_page(case)):
            assert page.get(path).status_code == 404
    assert post_form(client_for_user(officer), f"{sample_page(sample)}/close").status_code == 404
    with pytest.raises(NotFoundError):
        scrutiny_services.scrutiny_review_record(
            actor=resident, case_id=case.pk, appropriate="yes", consistent="yes"
        )
    with pytest.raises(ApplicationError) as refused:
        scrutiny_services.scrutiny_sample_draw(actor=officer, force_id=world.force.pk, month=month)
    assert "force" in refused.value.extra["fields"]
    # The office that oversees the force still sees it.
    assert client_for(world, PANEL).get(case_page(case)).status_code == 200


def client_for_user(user):
    from django.test import Client

    from pont.testing.personas import sign_in

    return sign_in(Client(enforce_csrf_checks=True), user)


def test_the_nav_shows_the_panel_to_those_who_take_part(world):
    def keys(code: str) -> set[str]:
        return {item.key for item in nav_items_for(world.users[code])}

    assert "disposals_scrutiny" in keys(PANEL)
    assert "disposals_scrutiny" in keys(OPCC)
    assert "disposals_scrutiny" not in keys(FRONTLINE)


# Reviews and closing ------------------------------------------------------------------------


def test_a_member_records_and_changes_a_review_until_the_sample_closes(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    case = sample.cases.get()
    client = as_persona(PANEL)
    empty = post_form(client, case_page(case), {})
    assert empty.status_code == 400
    page = empty.content.decode()
    assert "Say whether the disposal was appropriate" in page
    assert "Say whether the disposal was consistent" in page
    long = post_form(
        client, case_page(case), {"appropriate": "yes", "consistent": "no", "comments": "x" * 4001}
    )
    assert long.status_code == 400
    assert "4000 characters or fewer" in long.content.decode()
    before = last_sequence()
    for answer in ("no", "yes"):
        response = post_form(
            client,
            case_page(case),
            {"appropriate": answer, "consistent": "no", "comments": "Thin reasons."},
        )
        assert response.status_code == 302
    review = ScrutinyReview.objects.get()
    assert (review.appropriate, review.consistent, review.reviewer) == (
        "yes",
        "no",
        world.users[PANEL],
    )
    written = [
        e.operation for e in events_since(before) if e.object_type == "disposals.scrutinyreview"
    ]
    assert written == ["collection", "alteration"]
    # The commissioner's officer reads the case but does not review it.
    officer = as_persona(OPCC)
    assert officer.get(case_page(case)).status_code == 200
    assert post_form(officer, case_page(case), {"appropriate": "yes"}).status_code == 403
    with pytest.raises(ApplicationError) as refused:
        scrutiny_services.scrutiny_review_record(
            actor=world.users[OPCC], case_id=case.pk, appropriate="yes", consistent="yes"
        )
    assert refused.value.status == 403
    # Closed: no review is recorded or changed any more.
    scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)
    with pytest.raises(ApplicationError) as closed:
        scrutiny_services.scrutiny_review_record(
            actor=world.users[PANEL], case_id=case.pk, appropriate="no", consistent="no"
        )
    assert closed.value.status == 409
    refused_page = post_form(client, case_page(case), {"appropriate": "no", "consistent": "no"})
    assert refused_page.status_code == 302
    assert ScrutinyReview.objects.get().appropriate == "yes"
    assert "Record your review" not in client.get(case_page(case)).content.decode()


def test_members_see_the_panels_answers_only_once_the_sample_closes(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    case = sample.cases.get()
    colleague = another_member(world, "colleague")
    scrutiny_services.scrutiny_review_record(
        actor=colleague,
        case_id=case.pk,
        appropriate="no",
        consistent="yes",
        comments="Zqxcommentmark",
    )
    member, officer = as_persona(PANEL), as_persona(OPCC)
    assert "Zqxcommentmark" not in member.get(case_page(case)).content.decode()
    assert 'id="answers"' not in member.get(sample_page(sample)).content.decode()
    assert "Zqxcommentmark" in officer.get(case_page(case)).content.decode()
    assert 'id="answers"' in officer.get(sample_page(sample)).content.decode()
    scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)
    assert "Zqxcommentmark" in member.get(case_page(case)).content.decode()
    assert 'id="answers"' in member.get(sample_page(sample)).content.decode()


def another_member(world: World, username: str):
    """Another member of the same panel."""
    user, _initial = accounts.user_create(
        actor=None,
        username=username,
        given_name=username.title(),
        family_name="Resident",
        email=f"{username}@example.test",
        password=TEST_PASSWORD,
    )
    accounts.membership_create(
        actor=None, user=user, organisation=world.panel, role=Role.PANEL_MEMBER
    )
    return user


def test_closing_needs_reviews_happens_once_and_is_audited(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    with pytest.raises(ApplicationError) as early:
        scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)
    assert early.value.status == 409
    assert post_form(as_persona(PANEL), f"{sample_page(sample)}/close").status_code == 403
    with pytest.raises(ApplicationError) as member:
        scrutiny_services.scrutiny_sample_close(actor=world.users[PANEL], sample_id=sample.pk)
    assert member.value.status == 403
    scrutiny_services.scrutiny_review_record(
        actor=world.users[PANEL], case_id=sample.cases.get().pk, appropriate="yes", consistent="yes"
    )
    before = last_sequence()
    closing = post_form(as_persona(OPCC), f"{sample_page(sample)}/close")
    assert closing.status_code == 302
    sample.refresh_from_db()
    assert (sample.is_closed, sample.closed_by) == (True, world.users[OPCC])
    (event,) = [e for e in events_since(before) if e.object_type == "disposals.scrutinysample"]
    assert (event.operation, event.detail["to"]) == ("alteration", "closed")
    with pytest.raises(ApplicationError) as again:
        scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)
    assert again.value.status == 409


def test_every_showing_is_audited(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    before = last_sequence()
    sample = scrutiny_sample_drawn(world, month)
    case = sample.cases.get()
    client = as_persona(PANEL)
    client.get(sample_page(sample))
    client.get(case_page(case))
    events = events_since(before)
    kinds = [(e.operation, e.object_type) for e in events]
    assert kinds == [
        ("collection", "disposals.scrutinysample"),
        ("consultation", "disposals.scrutinysample"),
        ("consultation", "disposals.scrutinycase"),
    ]
    assert events[0].actor_id == world.users[OPCC].pk
    assert events[2].subject_person_id == case.disposal.person_id


# The report -------------------------------------------------------------------------------


def _closed_sample(world: World, month: date, count: int = 3) -> ScrutinySample:
    finished(world, count - 1, month)
    finished(world, 1, month, closed=True)
    sample = scrutiny_sample_drawn(world, month)
    for case in sample.cases.all():
        scrutiny_services.scrutiny_review_record(
            actor=world.users[PANEL],
            case_id=case.pk,
            appropriate="yes",
            consistent="no",
            comments="Consistent with the policy, not with case 1.",
        )
    return scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_report_counts_answers_and_is_the_same_bytes_for_the_same_data(world):
    sample = _closed_sample(world, months_ago(1))
    data = scrutiny_report.report_data(sample)
    assert (data.appropriate.yes, data.consistent.no, data.reviewers) == (3, 3, 1)
    pdf = scrutiny_report.report_pdf(data, language="en")
    assert pdf == scrutiny_report.report_pdf(data, language="en")
    text = pdf_text(pdf)
    assert "scrutiny panel: session report" in text
    assert "Case 3" in text
    assert "Closed after a breach" in text
    assert "Consistent with the policy, not with case 1." in text


def test_the_report_is_made_only_of_a_closed_sample_and_its_giving_is_audited(world, as_persona):
    month = months_ago(1)
    finished(world, 1, month)
    sample = scrutiny_sample_drawn(world, month)
    assert post_form(as_persona(OPCC), f"{sample_page(sample)}/report.pdf").status_code == 404
    with pytest.raises(ValueError, match="closed sample"):
        scrutiny_report.report_data(sample)
    closed = _closed_sample(world, months_ago(2), count=1)
    before = last_sequence()
    response = post_form(as_persona(PANEL), f"{sample_page(closed)}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    (event,) = events_since(before)
    assert (event.operation, event.object_type) == ("disclosure", "disposals.scrutinysample")


# Pseudonymisation: seeded markers never reach the panel ---------------------------------------

MARKERS = {
    "given": "Zqxgivenmark",
    "family": "Zqxfamilymark",
    "pnc": "19/123456Z",
    "phone": "07812 904611",
    "address": "9 Zqxaddressmark Road",
    "town": "Zqxtownmark",
    "postcode": "SA15 3AB",
    "birth": "30 July 1995",
    "officer_first": "Zqxofficerfirst",
    "officer_last": "Zqxofficerlast",
    "supervisor_first": "Zqxsupervisorfirst",
    "supervisor_last": "Zqxsupervisorlast",
}


def _marked_sample(world: World, month: date) -> ScrutinySample:
    person = people.person_create(
        actor=world.users[CUSTODY],
        given_name=MARKERS["given"],
        family_name=MARKERS["family"],
        date_of_birth=date(1995, 7, 30),
        gender="male",
        confirmed_new=True,
    )
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="phone",
        use="mobile",
        values={"phone": MARKERS["phone"]},
    )
    people.contact_route_add(
        actor=world.users[CUSTODY],
        person_id=person.pk,
        kind="address",
        use="home",
        values={
            "address_line_1": MARKERS["address"],
            "town": MARKERS["town"],
            "postcode": MARKERS["postcode"],
        },
    )
    person.pnc_id = MARKERS["pnc"]
    person.save(update_fields=["pnc_id"])
    for code, first, last in (
        (FRONTLINE, "officer_first", "officer_last"),
        (INSPECTOR, "supervisor_first", "supervisor_last"),
    ):
        user = world.users[code]
        user.first_name, user.last_name = MARKERS[first], MARKERS[last]
        user.save(update_fields=["first_name", "last_name"])
    everyone = (
        f"{MARKERS['given']} {MARKERS['family']} (PNC {MARKERS['pnc']}, born {MARKERS['birth']}, "
        f"of {MARKERS['address']}, {MARKERS['town']} {MARKERS['postcode']}, phone "
        f"{MARKERS['phone']}) told PC {MARKERS['officer_first']} {MARKERS['officer_last']} and "
        f"Sgt {MARKERS['supervisor_last']}"
    )
    scrutiny_finished_disposal(
        world,
        on(month),
        closed=True,
        person=person,
        offences=[("possession_class_a", f"{everyone}: zqxoffencekept")],
        victim_views="supports",
        victim_views_note=f"{everyone}: zqxvictimkept",
        scheme_code="conditional_caution",
        decision_reason=f"{everyone}: zqxreasonkept",
        condition_details=f"{everyone}: zqxconditionkept",
        outcome_note=f"{everyone}: zqxnotekept",
        breach_reason=f"{everyone}: zqxbreachkept",
    )
    return scrutiny_sample_drawn(world, month)


def test_no_marker_reaches_the_panel_or_the_commissioners_office(world, as_persona):
    sample = _marked_sample(world, months_ago(1))
    case = sample.cases.get()
    member, officer = as_persona(PANEL), as_persona(OPCC)
    post_form(member, case_page(case), {"appropriate": "no", "consistent": "yes"})
    seen: list[str] = []
    for client in (member, officer):
        for path in (LIST, sample_page(sample), case_page(case)):
            response = client.get(path)
            assert response.status_code == 200
            seen.append(response.content.decode())
    scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=sample.pk)
    for client in (member, officer):
        for language in ("en", "cy"):
            client.cookies["pont_language"] = language
            seen.append(client.get(case_page(case)).content.decode())
            report = post_form(client, f"{sample_page(sample)}/report.pdf")
            assert report.status_code == 200
            reader = PdfReader(BytesIO(report.content))
            seen.append(" ".join(page.extract_text() for page in reader.pages))
            seen.append(str(reader.metadata))
    everything = "\n".join(seen)
    flat = " ".join(everything.split()).lower()
    leaked = [name for name, marker in MARKERS.items() if marker.lower() in flat]
    assert leaked == []
    for name in ("person", "pnc", "reference"):
        assert case.disposal.person.reference.lower() not in flat, name
    assert case.disposal.reference.lower() not in flat
    # The free text is there, with the identifying parts replaced...
    for kept in ("offence", "victim", "reason", "condition", "note", "breach"):
        assert f"zqx{kept}kept" in flat, kept
    assert "[name]" in flat
    # ...the officers are letters, the age a band and the area its county.
    assert "officer a" in flat or "swyddog a" in flat
    assert "25 to 34" in flat
    assert "carmarthenshire" in flat


def test_the_record_is_pseudonymised_field_by_field(world):
    sample = _marked_sample(world, months_ago(1))
    cases = list(scrutiny_selectors.cases_of(sample=sample))
    letters = scrutiny_selectors.officer_letters(sample, cases)
    with translation.override("en"):
        record = scrutiny_selectors.scrutiny_record(cases[0], letters)
    assert record.pseudonym == "Case 1"
    assert record.officer != record.authorised_by
    assert {record.officer, record.authorised_by} == {"Officer A", "Officer B"}
    assert record.age_band == "25 to 34"
    assert record.area == "Carmarthenshire"
    assert record.decision == "Conditional Caution"
    assert record.breach_decision == "No further action"
    assert record.outcome.startswith("3")
    (condition,) = record.conditions
    assert condition.done is False
    assert condition.working_days is not None
    assert condition.working_days > 0
    assert condition.category == "Reparative"
    text = repr(record).lower()
    assert not [name for name, marker in MARKERS.items() if marker.lower() in text]


@pytest.mark.parametrize(
    ("age", "band"),
    [(18, "18 to 24"), (24, "18 to 24"), (25, "25 to 34"), (54, "45 to 54"), (70, "55 or over")],
)
def test_ages_are_bands(age, band):
    with translation.override("en"):
        assert str(scrutiny_selectors.age_band(age)) == band
