"""Stop and search test data, made through the services.

The police.uk vocabularies (outcomes, self-defined ethnicity, powers, objects
of search) are loaded by a data migration. So that tests hold with or without
it, `stop_search_reference()` finds each row a test needs by its police.uk
label and loads it only when it is missing, and tests use the codes it returns.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.models import Organisation, User
from pont.accounts.roles import Role
from pont.core.models import ReferenceData
from pont.core.reference import load_reference_rows
from pont.people.models import Person
from pont.stop_search import reading, services
from pont.stop_search.models import (
    AuditSample,
    Legislation,
    ObjectOfSearch,
    OutcomeAmendment,
    PanelSession,
    SampledSearch,
    Search,
    SearchOutcome,
    SearchReview,
    SelfDefinedEthnicity,
)

from .personas import FRONTLINE, INSPECTOR, OPCC, PANEL, TEST_PASSWORD, World

SOURCE = "data.police.uk stop and search vocabulary (test rows)"
SINCE = date(2019, 1, 1)

# name used by tests -> (model, police.uk label, code if loaded here, Welsh label, extra fields)
_ROWS: dict[str, tuple[type[ReferenceData], str, str, str, dict[str, Any]]] = {
    "arrest": (SearchOutcome, "Arrest", "bu-arrest", "Arestio", {"found": True}),
    "nfa": (
        SearchOutcome,
        "A no further action disposal",
        "bu-no-further-action",
        "Dim camau pellach",
        {"found": False},
    ),
    "cannabis_warning": (
        SearchOutcome,
        "Khat or Cannabis warning",
        "bu-khat-or-cannabis-warning",
        "Rhybudd khat neu ganabis",
        {"found": True},
    ),
    "community_resolution": (
        SearchOutcome,
        "Community resolution",
        "bu-community-resolution",
        "Datrys yn y gymuned",
        {"found": True},
    ),
    "drugs_power": (
        Legislation,
        "Misuse of Drugs Act 1971 (section 23)",
        "misuse-of-drugs-act-1971-section-23",
        "Deddf Camddefnyddio Cyffuriau 1971 (adran 23)",
        {},
    ),
    "pace_s1": (
        Legislation,
        "Police and Criminal Evidence Act 1984 (section 1)",
        "police-and-criminal-evidence-act-1984-section-1",
        "Deddf yr Heddlu a Thystiolaeth Droseddol 1984 (adran 1)",
        {},
    ),
    "controlled_drugs": (
        ObjectOfSearch,
        "Controlled drugs",
        "controlled-drugs",
        "Cyffuriau a reolir",
        {},
    ),
    "stolen_goods": (ObjectOfSearch, "Stolen goods", "stolen-goods", "Nwyddau wedi'u dwyn", {}),
    "white_british": (
        SelfDefinedEthnicity,
        "White - English/Welsh/Scottish/Northern Irish/British",
        "W1",
        "Gwyn - Cymreig/Seisnig/Albanaidd/Gwyddelig Gogleddol/Prydeinig",
        {"group": "white"},
    ),
    "not_stated": (
        SelfDefinedEthnicity,
        "Other ethnic group - Not stated",
        "NS",
        "Grŵp ethnig arall - Heb ei nodi",
        {"group": "not_stated"},
    ),
}


def _label_variants(label: str) -> list[str]:
    # police.uk files write the ethnicity groups with a hyphen, its notes with an en dash.
    return [label, label.replace(" - ", " \u2013 ")]


def stop_search_reference() -> dict[str, str]:
    """The codes of the reference rows tests use (name -> code), loading any that are missing."""
    codes: dict[str, str] = {}
    for name, (model, label, code, label_cy, extra) in _ROWS.items():
        row = (
            model.objects.effective_on(timezone.localdate())
            # (Q: the label is a field of each concrete table, not of ReferenceData.)
            .filter(Q(policeuk_label__in=_label_variants(label)))
            .first()
        )
        if row is None:
            load_reference_rows(
                model,
                [
                    {
                        "code": code,
                        "effective_from": SINCE,
                        "label_en": label,
                        "label_cy": label_cy,
                        "policeuk_label": label,
                        "source": SOURCE,
                        **extra,
                    }
                ],
            )
            row = model.objects.get(code=code, effective_from=SINCE)
        codes[name] = row.code
    return codes


def search_values(world: World, **overrides: Any) -> dict[str, Any]:
    """The arguments of search_record: a person searched for drugs under s.23, drugs found,
    arrested; nobody named (add person_id to link a person)."""
    codes = stop_search_reference()
    values: dict[str, Any] = {
        "actor": world.users[FRONTLINE],
        "search_type": Search.Type.PERSON,
        "occurred_at": timezone.now() - timedelta(minutes=20),
        "area_id": world.carmarthenshire.pk,
        "place": "Stepney Street, Llanelli",
        "latitude": "51.680123",
        "longitude": "-4.161234",
        "gender": Search.Gender.MALE,
        "age_range": Search.AgeRange.AGE_18_24,
        "self_defined_ethnicity": codes["white_british"],
        "officer_defined_ethnicity": Search.OfficerDefinedEthnicity.WHITE,
        "legislation": codes["drugs_power"],
        "object_of_search": codes["controlled_drugs"],
        "grounds": "Strong smell of cannabis; seen passing a small package in the lane.",
        "person_description": "White man, about 20, grey hoodie and black joggers.",
        "outcome": codes["arrest"],
        "outcome_linked": True,
        "body_worn_video": True,
        "body_worn_video_reference": "BWV-4471-2026",
    }
    values.update(overrides)
    return values


def recorded_search(
    world: World, *, person: Person | None = None, actor_code: str = FRONTLINE, **overrides: Any
) -> Search:
    """A search recorded through the service by the persona (the front-line officer)."""
    if person is not None:
        overrides["person_id"] = person.pk
    overrides.setdefault("actor", world.users[actor_code])
    return services.search_record(**search_values(world, **overrides))


def amended(search: Search, *, actor: Any, outcome: str, **overrides: Any) -> OutcomeAmendment:
    """An amendment of the search's current outcome, with the version it has now."""
    search.refresh_from_db()
    values: dict[str, Any] = {
        "actor": actor,
        "search_id": search.pk,
        "outcome": outcome,
        "outcome_linked": True,
        "reason": "Laboratory analysis came back",
        "evidence": "Lab report 26/1234",
        "expected_version": search.version,
    }
    values.update(overrides)
    return services.search_outcome_amend(**values)


def officer(
    world: World,
    username: str,
    *,
    role: str = Role.FRONTLINE_OFFICER,
    organisation: Organisation | None = None,
) -> User:
    """Another officer (a front-line officer in Carmarthenshire unless told otherwise)."""
    user, _initial = accounts.user_create(
        actor=None,
        username=username,
        given_name=username.title(),
        family_name="Officer",
        email=f"{username}@example.test",
        password=TEST_PASSWORD,
    )
    accounts.membership_create(
        actor=None, user=user, organisation=organisation or world.carmarthenshire, role=role
    )
    return user


def other_force() -> tuple[Organisation, Organisation]:
    """A second force and one of its areas, to show that forces do not see each other's."""
    force = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind=Organisation.Kind.FORCE
    )
    area = accounts.organisation_create(
        actor=None,
        name="Newport",
        slug="newport",
        kind=Organisation.Kind.AREA,
        parent=force,
    )
    return force, area


# The monthly audit ------------------------------------------------------------------------


def search_audit_reference() -> None:
    """The audit's share (25%) and learning themes, loaded again if a flushed database lost them."""
    from importlib import import_module

    from django.apps import apps

    import_module("pont.stop_search.migrations.0004_audit_sample").load(apps, None)


def previous_month(today: date | None = None) -> date:
    """The first day of the month before today's (or the day given)."""
    first = (today or timezone.localdate()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def searched_in(
    world: World, month: date, *, day: int = 3, at: time = time(14, 0), **overrides: Any
) -> Search:
    """A search recorded through the service, made on a day of the month (UK time)."""
    moment = timezone.make_aware(datetime.combine(month.replace(day=day), at))
    return recorded_search(world, occurred_at=moment, **overrides)


def drawn_sample(
    world: World, month: date | None = None, *, actor: User | None = None
) -> AuditSample:
    """The force's sample of the month (last month unless told), drawn through the service."""
    search_audit_reference()
    return services.search_sample_draw(
        actor=actor, controller=world.force, month=month or previous_month()
    )


def review_values(**overrides: Any) -> dict[str, Any]:
    """A complete review: reasonable grounds, well recorded, video seen, rated green."""
    values: dict[str, Any] = {
        "grounds_reasonable": SearchReview.GroundsReasonable.YES,
        "grounds_recorded_sufficiently": True,
        "body_worn_video": SearchReview.BodyWornVideo.YES,
        "conduct": "Polite, explained the power and the grounds, offered the record.",
        "rating": SearchReview.Rating.GREEN,
        "feedback": "",
        "themes": [],
    }
    values.update(overrides)
    return values


def reviewed(sampled: SampledSearch, *, actor: User, kind: str, **overrides: Any) -> SearchReview:
    """The kind of review of the sampled search, recorded through the service."""
    review = sampled.reviews.get(kind=kind)
    return services.search_review_record(
        actor=actor,
        sampled_id=sampled.pk,
        kind=kind,
        expected_version=review.version,
        **review_values(**overrides),
    )


# The Quality Assurance Panel --------------------------------------------------------------


def arranged_session(
    world: World, month: date | None = None, *, cases: int = 10, meeting: date | None = None
) -> PanelSession:
    """A panel session of the force's searches of the month (last month unless told), arranged
    by the commissioner's officer through the service."""
    from pont.stop_search import panel_services

    return panel_services.panel_session_arrange(
        actor=world.users[OPCC],
        panel_id=world.panel.pk,
        force_id=world.force.pk,
        month=month or previous_month(),
        meeting_date=meeting or timezone.localdate(),
        cases=cases,
    )


def prepared(session: PanelSession, world: World, text: str = "") -> PanelSession:
    """Every case of the session prepared for the panel by the force's inspector."""
    from pont.stop_search import panel_services

    for case in session.cases.order_by("number"):
        panel_services.panel_case_prepare(
            actor=world.users[INSPECTOR],
            case_id=case.pk,
            grounds_for_panel=text or "Seen passing a small package; smell of cannabis.",
        )
    session.refresh_from_db()
    return session


def opened_session(world: World, **arguments: Any) -> PanelSession:
    """A session arranged, prepared and opened to the panel."""
    from pont.stop_search import panel_services

    session = prepared(arranged_session(world, **arguments), world)
    return panel_services.panel_session_open(
        actor=world.users[OPCC], session_id=session.pk, expected_version=session.version
    )


def closed_session(world: World, **arguments: Any) -> PanelSession:
    """A session opened, judged by the panel member (every case) and closed."""
    from pont.stop_search import panel_services

    session = opened_session(world, **arguments)
    for case in session.cases.all():
        panel_services.panel_judgement_record(
            actor=world.users[PANEL],
            case_id=case.pk,
            reasonable_grounds="yes",
            treated_fairly="unsure",
            comments="Clear grounds; the record does not say whether the power was explained.",
        )
    session.refresh_from_db()
    return panel_services.panel_session_close(
        actor=world.users[OPCC], session_id=session.pk, expected_version=session.version
    )


def quick_form(world: World, codes: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """The quick search form as an officer posts it (`codes`: `stop_search_reference()`)."""
    when = timezone.localtime(timezone.now() - timedelta(minutes=15))
    data = {
        "search_type": "person",
        "occurred_at_0": str(when.day),
        "occurred_at_1": str(when.month),
        "occurred_at_2": str(when.year),
        "occurred_at_time": f"{when:%H:%M}",
        "area": str(world.carmarthenshire.pk),
        "place": "Stepney Street, Llanelli",
        "gender": "female",
        "age_range": "25_34",
        "self_defined_ethnicity": codes["not_stated"],
        "officer_defined_ethnicity": "white",
        "legislation": codes["drugs_power"],
        "object_of_search": codes["controlled_drugs"],
        "grounds": "Seen handing over a wrap outside the bus station.",
        "person_description": "Woman, about 30, red coat.",
        "body_worn_video": "yes",
        "body_worn_video_reference": "BWV-0099",
        "outcome": codes["cannabis_warning"],
        "outcome_linked": "yes",
    }
    data.update(overrides)
    return data


def read_in_a_child(monkeypatch: Any, *, batch: int = 40) -> None:
    """Have every police.uk file read in a child process (stop_search/reading.py), on
    either database, whatever its size, `batch` rows a message."""
    monkeypatch.setattr(reading, "READ_IN_CHILD_BYTES", 0)
    monkeypatch.setattr(reading, "CHILD_BATCH", batch)
    monkeypatch.setattr(reading, "CHILD_DATABASES", {"sqlite", "postgresql"})
