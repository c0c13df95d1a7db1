"""Synthetic demo data for Dyfed-Powys: organisations, one persona per role, some people.

Organisation names are real public bodies; every person and every member
of staff here is invented. Loading is idempotent: each item is looked up by
a natural key (slug, username, PNC ID) before it is created.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.accounts import services as accounts
from pont.accounts.models import Membership, Organisation, User
from pont.accounts.roles import Role
from pont.directory.demo import load_directory_demo
from pont.directory.models import Service
from pont.people import services as people
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Appointment, QueuedEmail, Referral, ReferralEvent

from .custody import load_custody_year
from .disposals import load_disposals_year, load_scrutiny
from .stop_search import (
    load_panel,
    load_policeuk_months,
    load_recorded_searches,
    load_search_audit,
)

DEMO_PASSWORD = "Teifi-Towy-Wye-2026"  # noqa: S105 - printed for the demo on purpose

Kind = Organisation.Kind

# (slug, name, Welsh name, kind, parent slug)
ORGANISATIONS: list[tuple[str, str, str, str, str | None]] = [
    ("dyfed-powys-police", "Dyfed-Powys Police", "Heddlu Dyfed-Powys", Kind.FORCE, None),
    ("carmarthenshire", "Carmarthenshire", "Sir Gaerfyrddin", Kind.AREA, "dyfed-powys-police"),
    ("ceredigion", "Ceredigion", "Ceredigion", Kind.AREA, "dyfed-powys-police"),
    ("pembrokeshire", "Pembrokeshire", "Sir Benfro", Kind.AREA, "dyfed-powys-police"),
    ("powys", "Powys", "Powys", Kind.AREA, "dyfed-powys-police"),
    (
        "custody-aberystwyth",
        "Aberystwyth custody suite",
        "Dalfa Aberystwyth",
        Kind.CUSTODY_SUITE,
        "ceredigion",
    ),
    (
        "custody-ammanford",
        "Ammanford custody suite",
        "Dalfa Rhydaman",
        Kind.CUSTODY_SUITE,
        "carmarthenshire",
    ),
    ("custody-brecon", "Brecon custody suite", "Dalfa Aberhonddu", Kind.CUSTODY_SUITE, "powys"),
    (
        "custody-haverfordwest",
        "Haverfordwest custody suite",
        "Dalfa Hwlffordd",
        Kind.CUSTODY_SUITE,
        "pembrokeshire",
    ),
    (
        "custody-llanelli",
        "Llanelli custody suite",
        "Dalfa Llanelli",
        Kind.CUSTODY_SUITE,
        "carmarthenshire",
    ),
    ("custody-newtown", "Newtown custody suite", "Dalfa Y Drenewydd", Kind.CUSTODY_SUITE, "powys"),
    (
        "ddas",
        "Dyfed Drug and Alcohol Service",
        "Gwasanaeth Cyffuriau ac Alcohol Dyfed",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "kaleidoscope",
        "Kaleidoscope Project (Powys)",
        "Prosiect Kaleidoscope (Powys)",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "hywel-dda-cdat",
        "Hywel Dda Community Drug and Alcohol Team",
        "Tîm Cyffuriau ac Alcohol Cymunedol Hywel Dda",
        Kind.TREATMENT_PROVIDER,
        None,
    ),
    (
        "opcc",
        "Office of the Police and Crime Commissioner for Dyfed-Powys",
        "Swyddfa Comisiynydd yr Heddlu a Throseddu Dyfed-Powys",
        Kind.COMMISSIONER,
        None,
    ),
    ("qa-panel", "Quality Assurance Panel", "Panel Sicrhau Ansawdd", Kind.PANEL, "opcc"),
]


@dataclass(frozen=True)
class Persona:
    username: str
    given_name: str
    family_name: str
    role: str
    organisation: str
    language: str = "en"


PERSONAS = [
    Persona("custody", "Gareth", "Morgan", Role.CUSTODY_OFFICER, "custody-llanelli"),
    Persona("frontline", "Ffion", "Davies", Role.FRONTLINE_OFFICER, "ceredigion", "cy"),
    Persona("inspector", "Sian", "Howells", Role.INSPECTOR, "carmarthenshire"),
    Persona("indinspector", "Alun", "Pryce", Role.INDEPENDENT_INSPECTOR, "opcc"),
    Persona("analyst", "Rhodri", "Evans", Role.INTELLIGENCE_ANALYST, "dyfed-powys-police"),
    Persona("opslead", "Catrin", "Jenkins", Role.OPERATIONS_LEAD, "pembrokeshire"),
    Persona("provider", "Bethan", "Lloyd", Role.PROVIDER_WORKER, "ddas"),
    Persona("providermgr", "Owain", "Thomas", Role.PROVIDER_MANAGER, "ddas"),
    Persona("providerb", "Megan", "Price", Role.PROVIDER_WORKER, "kaleidoscope"),
    Persona("panel", "Eleri", "Roberts", Role.PANEL_MEMBER, "qa-panel", "cy"),
    Persona("opcc", "Dafydd", "Hughes", Role.COMMISSIONERS_OFFICER, "opcc"),
    Persona("dpo", "Nia", "Williams", Role.DATA_PROTECTION_OFFICER, "dyfed-powys-police"),
    Persona("admin", "Iwan", "Rees", Role.SYSTEM_ADMINISTRATOR, "dyfed-powys-police"),
]

# (given, family, date of birth, gender, PNC ID, language, phone, address)
PEOPLE = [
    (
        "Rhys",
        "Owen",
        date(1991, 4, 3),
        "male",
        "2009/0123456C",
        "cy",
        "029 2018 0123",
        ("12 Heol y Bont", "Llanelli", "SA15 3AA"),
    ),
    ("Kelly", "Matthews", date(1987, 11, 21), "female", "", "en", "029 2018 0456", None),
    (
        "Jordan",
        "Baker",
        date(2001, 2, 14),
        "male",
        "",
        "en",
        None,
        ("Flat 3, 8 Station Road", "Aberystwyth", "SY23 1AB"),
    ),
    ("Dylan", "Parry", date(1995, 7, 30), "male", "", "cy", "029 2018 0789", None),
    ("Amy", "Collins", date(1999, 9, 9), "female", "", "en", None, None),
    (
        "Lee",
        "Harries",
        date(1983, 1, 5),
        "male",
        "2015/0004521R",
        "en",
        "029 2018 0321",
        ("5 Bridge Street", "Newtown", "SY16 2AA"),
    ),
]


def _organisations() -> dict[str, Organisation]:
    by_slug: dict[str, Organisation] = {o.slug: o for o in Organisation.objects.all()}
    for slug, name, name_cy, kind, parent in ORGANISATIONS:
        if slug not in by_slug:
            by_slug[slug] = accounts.organisation_create(
                actor=None,
                name=name,
                name_cy=name_cy,
                slug=slug,
                kind=kind,
                parent=by_slug[parent] if parent else None,
            )
    return by_slug


def _persona(persona: Persona, organisations: dict[str, Organisation]) -> User:
    user = User.objects.filter(username=persona.username).first()
    if user is None:
        user, _initial = accounts.user_create(
            actor=None,
            username=persona.username,
            given_name=persona.given_name,
            family_name=persona.family_name,
            email=f"{persona.username}@demo.pont.invalid",
            password=DEMO_PASSWORD,
            preferred_language=persona.language,
        )
    organisation = organisations[persona.organisation]
    if not Membership.objects.filter(
        user=user, organisation=organisation, role=persona.role, ended_at__isnull=True
    ).exists():
        accounts.membership_create(
            actor=None, user=user, organisation=organisation, role=persona.role
        )
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # Enrolled already, so that `pont demo-otp` (and the demo hint) can give the code.
        TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=secrets.token_hex(20), confirmed=True
        )
    return user


def _people(custody_officer: User) -> int:
    created = 0
    for given, family, born, gender, pnc, language, phone, address in PEOPLE:
        if Person.objects.filter(given_name=given, family_name=family, date_of_birth=born).exists():
            continue
        person = people.person_create(
            actor=custody_officer,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            pnc_id=pnc,
            preferred_language=language,
            confirmed_new=True,
        )
        if phone:
            people.contact_route_add(
                actor=custody_officer,
                person_id=person.pk,
                kind="phone",
                use="home",
                values={"phone": phone},
                is_preferred=True,
                is_verified=True,
            )
        if address:
            line, town, postcode = address
            people.contact_route_add(
                actor=custody_officer,
                person_id=person.pk,
                kind="address",
                use="home",
                values={"address_line_1": line, "town": town, "postcode": postcode},
                is_preferred=not phone,
            )
        created += 1
    return created


# (given, family, date of birth, phone, state, sent days ago, provider slug)
REFERRAL_PEOPLE = [
    ("Aled", "Morris", date(1990, 2, 11), "029 2018 0501", "draft", 0, "ddas"),
    ("Bethan", "Rowlands", date(1986, 6, 2), "029 2018 0502", "requested", 0, "ddas"),
    ("Carys", "Edwards", date(1998, 9, 19), "029 2018 0503", "requested", 6, "ddas"),
    ("Dafydd", "Pugh", date(1979, 12, 1), "029 2018 0504", "accepted", 4, "ddas"),
    ("Elin", "Vaughan", date(2000, 3, 23), "029 2018 0505", "in-progress", 12, "ddas"),
    ("Geraint", "Bowen", date(1984, 7, 7), "029 2018 0506", "rejected", 20, "ddas"),
    ("Huw", "Lewis", date(1993, 1, 30), "029 2018 0507", "completed", 45, "ddas"),
    ("Iola", "Griffiths", date(1988, 10, 14), "029 2018 0508", "failed", 38, "ddas"),
    ("Jac", "Powell", date(1996, 4, 4), "029 2018 0509", "cancelled", 9, "ddas"),
    ("Lowri", "Thomas", date(1991, 8, 8), "029 2018 0510", "in-progress", 25, "kaleidoscope"),
    ("Mared", "James", date(2002, 5, 5), "029 2018 0511", "requested", 1, "kaleidoscope"),
    # Cancelled by the officer after the provider booked an appointment (still to come: the
    # cancelling cancels it too).
    ("Nia", "Hughes", date(1994, 11, 3), "029 2018 0512", "withdrawn", 2, "ddas"),
]
# The in-progress referral whose attendance was recorded wrongly, then corrected.
CORRECTED = "Elin"
# Referrals the officer first tried to send before recording how to reach the person: the
# completeness gate refused them, the officer added the phone number, and they were sent.
# They make the funnel's "contact details complete at first attempt to send" an honest figure
# below 100%; nine, so that the commissioner's office (which sees no difference from 1 to 7)
# sees it too.
DETAILS_ADDED_AFTER_REFUSAL = [
    ("Osian", "Price", date(1989, 3, 17), "029 2018 0513", "requested", 3, "ddas"),
    ("Rhian", "Jenkins", date(1997, 7, 1), "029 2018 0514", "accepted", 7, "ddas"),
    ("Sioned", "Evans", date(1985, 1, 26), "029 2018 0515", "in-progress", 30, "kaleidoscope"),
    ("Tomos", "Owen", date(1999, 10, 9), "029 2018 0516", "completed", 60, "ddas"),
    ("Gwenllian", "Davies", date(1992, 12, 12), "029 2018 0517", "failed", 90, "ddas"),
    ("Iestyn", "Harries", date(1981, 5, 30), "029 2018 0518", "rejected", 120, "kaleidoscope"),
    ("Ffion", "Morgan", date(2001, 2, 14), "029 2018 0519", "completed", 150, "kaleidoscope"),
    ("Emyr", "Roberts", date(1976, 8, 21), "029 2018 0520", "in-progress", 45, "ddas"),
    ("Cerys", "Llewellyn", date(1995, 4, 6), "029 2018 0521", "completed", 200, "ddas"),
]


def _add_phone(officer: User, person_id: Any, phone: str) -> None:
    """The person's mobile number, as the officer records it (preferred, checked with them)."""
    people.contact_route_add(
        actor=officer,
        person_id=person_id,
        kind="phone",
        use="mobile",
        values={"phone": phone},
        is_preferred=True,
        is_verified=True,
    )


def _referrals(users: dict[str, User]) -> int:
    """Referrals in every state, sent at different times, some overdue (demo only)."""
    if Referral.objects.filter(source_kind="voluntary").exists():
        return 0
    officer, created = users["custody"], 0
    workers = {"ddas": users["provider"], "kaleidoscope": users["providerb"]}
    stories = [(row, False) for row in REFERRAL_PEOPLE]
    stories += [(row, True) for row in DETAILS_ADDED_AFTER_REFUSAL]
    for (given, family, born, phone, state, days_ago, slug), details_late in stories:
        person = people.person_create(
            actor=officer,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender="not_known",
            confirmed_new=True,
        )
        if not details_late:
            _add_phone(officer, person.pk, phone)
        service = (
            Service.objects.filter(
                organization__pont_organisation__slug=slug, accepts_referrals=True
            )
            .order_by("name")
            .first()
        )
        if service is None:
            continue
        referral = referrals.referral_create(
            actor=officer,
            person_id=person.pk,
            service_id=service.pk,
            source_kind="voluntary",
            reason="Says cocaine use is getting out of hand and asked for help after arrest.",
            consent_confirmed=True,
        )
        created += 1
        if state == "draft":
            continue
        if state == "cancelled":
            referrals.referral_cancel(
                actor=officer, referral_id=referral.pk, reason="Recorded twice in error"
            )
            continue
        if details_late:
            try:  # through the real gate, which remembers the refused first attempt
                referrals.referral_send(actor=officer, referral_id=referral.pk)
            except referrals.ContactDetailsIncomplete:
                _add_phone(officer, person.pk, phone)
            else:  # pragma: no cover - the demo's story depends on the refusal
                raise AssertionError(f"{given} {family}'s first send was not refused.")
        referrals.referral_send(actor=officer, referral_id=referral.pk)
        sent = timezone.now() - timedelta(days=days_ago)
        # Demo only: move the sending back in time so queues and the funnel have history.
        Referral.objects.filter(pk=referral.pk).update(requested_at=sent)
        worker = workers[slug]
        _work_referral(
            referral, "in-progress" if state == "withdrawn" else state, sent, worker, given
        )
        if state == "withdrawn":
            referrals.referral_cancel(
                actor=officer,
                referral_id=referral.pk,
                reason="Moved to Cardiff; referred to a service there.",
            )
        _backdate(referral.pk, sent)
    return created


def _work_referral(referral: Referral, state: str, sent: Any, worker: User, given: str) -> None:
    """Take a sent referral through the provider's steps to `state`."""
    if state == "requested":
        return
    if state == "rejected":
        referrals.referral_reject(
            actor=worker, referral_id=referral.pk, reason="Lives outside our area"
        )
        return
    referrals.referral_accept(actor=worker, referral_id=referral.pk, already_known=(given == "Huw"))
    if state == "accepted":
        return
    attempt = sent + timedelta(days=1, hours=2)
    referrals.contact_attempt_log(
        actor=worker,
        referral_id=referral.pk,
        method="phone",
        attempted_at=attempt,
        result="no_answer",
    )
    referrals.contact_attempt_log(
        actor=worker,
        referral_id=referral.pk,
        method="text",
        attempted_at=attempt + timedelta(hours=20),
        result="reached",
    )
    appointment = referrals.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=sent + timedelta(days=5),
        place="DDAS, Llanelli",
    )
    if state == "failed":
        referrals.attendance_record(
            actor=worker,
            referral_id=referral.pk,
            appointment_id=appointment.pk,
            attendance="did_not_attend",
        )
        referrals.referral_close(
            actor=worker, referral_id=referral.pk, closure_reason="dna_before_assessment"
        )
        return
    if appointment.starts_at <= timezone.now():
        # Elin's worker first recorded the wrong answer, then corrected it: the timeline
        # shows both, with the reason.
        referrals.attendance_record(
            actor=worker,
            referral_id=referral.pk,
            appointment_id=appointment.pk,
            attendance="did_not_attend" if given == CORRECTED else "attended",
        )
        if given == CORRECTED:
            referrals.attendance_correct(
                actor=worker,
                referral_id=referral.pk,
                appointment_id=appointment.pk,
                attendance="attended",
                reason="Recorded against another client's appointment by mistake.",
            )
    if state == "completed":
        referrals.treatment_start(
            actor=worker, referral_id=referral.pk, started_at=sent + timedelta(days=9)
        )
        referrals.referral_close(
            actor=worker, referral_id=referral.pk, closure_reason="planned_complete"
        )


# When each step happened, after sending, for the demo's backdated referrals.
_STEP_OFFSETS = {
    "created": -timedelta(minutes=10),
    "sent": timedelta(0),
    "accepted": timedelta(hours=3),
    "rejected": timedelta(hours=4),
    "appointment_booked": timedelta(days=2),
    "attendance_recorded": timedelta(days=5, hours=2),
    "attendance_corrected": timedelta(days=5, hours=5),
    "treatment_started": timedelta(days=9),
    "closed": timedelta(days=9, hours=1),
    "cancelled": timedelta(days=2, hours=3),
}


def _backdate(referral_id: Any, sent: Any) -> None:
    """Demo only: put the timeline and the step times where the story says they happened.

    The services stamp every step with the time it is recorded; a demo made in
    one second would otherwise show a month-old referral accepted today.
    """
    now = timezone.now()
    events = list(ReferralEvent.objects.filter(referral_id=referral_id).order_by("at", "pk"))
    attempts = iter([timedelta(days=1, hours=2), timedelta(days=1, hours=22)])
    closed_at = None
    for index, event in enumerate(events):
        if event.kind == "contact_attempt_logged":
            offset = next(attempts, timedelta(days=2))
        elif event.kind == "closed" and any(e.kind == "attendance_recorded" for e in events):
            offset = _STEP_OFFSETS["closed"]
            if not any(e.kind == "treatment_started" for e in events):
                offset = _STEP_OFFSETS["attendance_recorded"] + timedelta(hours=1)
        else:
            offset = _STEP_OFFSETS.get(event.kind, timedelta(0))
        # Never in the future, and still in order.
        event.at = min(sent + offset, now - timedelta(minutes=len(events) - index))
        if event.kind == "closed":
            closed_at = event.at
    ReferralEvent.objects.bulk_update(events, ["at"])
    step_times = {e.kind: e.at for e in events}
    Referral.objects.filter(pk=referral_id).update(
        **{
            field: step_times[kind]
            for kind, field in (
                ("sent", "requested_at"),
                ("rejected", "rejected_at"),
                ("accepted", "accepted_at"),
                ("appointment_booked", "first_appointment_booked_at"),
                ("cancelled", "cancelled_at"),  # the closed queue's order
            )
            if kind in step_times
        },
        **({"closed_at": closed_at} if closed_at else {}),
    )
    if "sent" in step_times:  # tried once: when it was sent; refused first: before that
        tried = Referral.objects.filter(pk=referral_id, first_send_attempt_at__isnull=False)
        tried.filter(complete_at_first_attempt=True).update(
            first_send_attempt_at=step_times["sent"]
        )
        tried.filter(complete_at_first_attempt=False).update(
            first_send_attempt_at=step_times["sent"] - timedelta(minutes=5)
        )
    if "created" in step_times:  # the draft, and the consent recorded with it, came first
        Referral.objects.filter(pk=referral_id).update(created_at=step_times["created"])
        Referral.objects.filter(pk=referral_id, consent_recorded_at__isnull=False).update(
            consent_recorded_at=step_times["created"]
        )
    if "attendance_recorded" in step_times:
        Appointment.objects.filter(
            referral_id=referral_id, attendance_recorded_at__isnull=False
        ).update(attendance_recorded_at=step_times["attendance_recorded"])


def _an_email_given_up() -> None:
    """Demo only: one new referral's notice that a mail server refused for a day, so that the
    email log shows what its managers would see (the rest are sent by `pont up`'s worker)."""
    if QueuedEmail.objects.filter(status=QueuedEmail.Status.GAVE_UP).exists():
        return
    email = (
        QueuedEmail.objects.filter(kind=QueuedEmail.Kind.ARRIVED, status=QueuedEmail.PENDING)
        .order_by("pk")
        .first()
    )
    if email is None:
        return
    queued = timezone.now() - timedelta(hours=25)
    QueuedEmail.objects.filter(pk=email.pk).update(
        status=QueuedEmail.Status.GAVE_UP,
        created_at=queued,
        attempts=30,
        next_attempt_at=queued + timedelta(hours=24),
        last_error=(
            f"SMTPRecipientsRefused: {{'{email.recipient}': "
            "(550, b'5.1.1 Recipient address rejected: mailbox unavailable')}"
        ),
    )


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create whatever of the demo data is missing; return what was created."""
    before_orgs = Organisation.objects.count()
    before_users = User.objects.count()
    organisations = _organisations()
    users = {p.username: _persona(p, organisations) for p in PERSONAS}
    people_created = _people(users["custody"])
    directory = load_directory_demo()
    tests_created = load_custody_year(users)
    referrals_created = _referrals(users)
    _an_email_given_up()
    disposals = load_disposals_year(users)
    scrutiny_samples = load_scrutiny(users)
    searches_imported = load_policeuk_months()
    searches_recorded = load_recorded_searches(users)
    samples_drawn = load_search_audit(users)
    panel_sessions = load_panel(users)
    return {
        "organisations": Organisation.objects.count() - before_orgs,
        "users": User.objects.count() - before_users,
        "people": people_created,
        "services": directory["services"],
        "referrals": referrals_created,
        "drug_tests": tests_created,
        "policeuk_searches": searches_imported,
        "recorded_searches": searches_recorded,
        "search_samples": samples_drawn,
        "panel_sessions": panel_sessions,
        "disposals": disposals,
        "scrutiny_samples": scrutiny_samples,
    }
