"""Stop and search in the demo: the real Dyfed-Powys police.uk months shipped with Pont (as
published searches: they count in the figures and the export); two months of searches
recorded in Pont, their audit samples reviewed by the local and the independent inspector,
and the Quality Assurance Panel's sessions on them."""

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from pont.accounts.models import Organisation, User
from pont.stop_search import panel_services as panel
from pont.stop_search import services as stop_search
from pont.stop_search.models import (
    AuditSample,
    PanelSession,
    PoliceUkImport,
    Search,
    SearchReview,
)

POLICEUK_FILES = Path(stop_search.__file__).resolve().parent / "data" / "policeuk"
SEED = 20191025  # the day of the Police and Crime Panel report

FEEDBACK = {
    "amber": "Record what you saw and smelt, not only the power: the grounds read as a formula.",
    "red": "The grounds do not show an objective basis for suspicion. Discuss with your sergeant.",
}


def load_policeuk_months() -> int:
    """Import each shipped stop-and-search file once; returns how many searches were added."""
    added = 0
    for path in sorted(POLICEUK_FILES.glob("*-stop-and-search.csv")):
        year, month = path.name[:4], path.name[5:7]
        if PoliceUkImport.objects.filter(force="dyfed-powys", month=f"{year}-{month}-01").exists():
            continue
        with path.open("rb") as stream:
            result = stop_search.policeuk_import(actor=None, file_name=path.name, stream=stream)
        added += result.rows
    return added


def _review(reviewer: User, review: SearchReview, rng: random.Random, like: str = "") -> str:
    grounds = like or rng.choices(["yes", "partly", "no"], weights=[70, 22, 8])[0]
    rating = {"yes": "green", "partly": "amber", "no": "red"}[grounds]
    video = review.sampled.search.body_worn_video
    stop_search.search_review_record(
        actor=reviewer,
        sampled_id=review.sampled_id,
        kind=review.kind,
        grounds_reasonable=grounds,
        grounds_recorded_sufficiently=grounds == "yes",
        body_worn_video="yes" if video else "not_available",
        conduct={
            "yes": "No concerns from the record or the video.",
            "partly": "Courteous by the record, but the grounds were thin for a search.",
            "no": "The record does not show why this person was searched rather than others.",
        }[grounds],
        rating=rating,
        feedback=FEEDBACK.get(rating, ""),
        themes=[] if grounds == "yes" else ["grounds_quality"],
        expected_version=review.version,
    )
    return grounds


def _recorded_months() -> tuple[date, date]:
    """The two months of searches recorded in Pont: the month before last and last month."""
    today = timezone.localdate()
    return _first_of_months_ago(today, 2), _first_of_months_ago(today, 1)


def load_recorded_searches(users: dict[str, User]) -> int:
    """Two months of searches recorded in Pont, once; returns how many were recorded."""
    if Search.objects.exists():
        return 0
    for month in _recorded_months():
        _record_month(users, month)
    return Search.objects.count()


def load_search_audit(users: dict[str, User]) -> int:
    """Draw the samples of the two recorded months once and review them (the later month
    half by both inspectors)."""
    force = Organisation.objects.filter(kind=Organisation.Kind.FORCE).order_by("pk").first()
    if force is None or AuditSample.objects.filter(controller=force).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not security
    drawn = 0
    months = _recorded_months()
    for month in months:
        sample = stop_search.search_sample_draw(actor=None, controller=force, month=month)
        drawn += 1
        reviews = (
            SearchReview.objects.filter(sampled__sample=sample)
            .select_related("sampled__search")
            .order_by("pk")
        )
        locals_ = [r for r in reviews if r.kind == SearchReview.Kind.LOCAL]
        independents = {r.sampled_id: r for r in reviews if r.kind == SearchReview.Kind.INDEPENDENT}
        for index, review in enumerate(locals_):
            if month == months[-1] and index % 2:
                continue  # the latest month is still being reviewed
            other = independents[review.sampled_id]
            if review.sampled.search.officer_id == users["inspector"].pk:
                # The inspector made this search: another inspector of the force reviews it
                # locally (none in the demo, so it waits); the independent inspector has.
                _review(users["indinspector"], other, rng)
                continue
            grounds = _review(users["inspector"], review, rng)
            # The independent inspector mostly agrees, sometimes not.
            like = grounds if rng.random() < 0.8 else ""
            _review(users["indinspector"], other, rng, like=like)
    return drawn


# Searches recorded in Pont, with their grounds, and the Quality Assurance Panel's sessions ----

# (day, hour, area, place, type, power, looking for, outcome, linked, grounds, video)
RECORDED = [
    (
        3,
        14,
        "ceredigion",
        "North Parade, Aberystwyth",
        "person",
        "mda_s23",
        "controlled_drugs",
        "khat_cannabis_warning",
        True,
        "Strong smell of cannabis from the man as he left a car on North Parade; he put a small "
        "bag into his sock when he saw us.",
        True,
    ),
    (
        5,
        22,
        "ceredigion",
        "Bridge Street, Lampeter",
        "person",
        "mda_s23",
        "controlled_drugs",
        "no_further_action",
        False,
        "Seen by the bus shelter at night; known to us for drugs.",
        False,
    ),
    (
        8,
        16,
        "carmarthenshire",
        "Stepney Street, Llanelli",
        "person",
        "pace_s1",
        "article_for_theft",
        "arrest",
        True,
        "Store staff saw him put razor blades into his coat and leave without paying; he matched "
        "their description exactly.",
        True,
    ),
    (
        11,
        1,
        "carmarthenshire",
        "Station Road, Llanelli",
        "person_and_vehicle",
        "mda_s23",
        "controlled_drugs",
        "arrest",
        True,
        "Car stopped after a hand-to-hand exchange seen through the window; cash in bundles on the "
        "passenger seat and a strong smell of cannabis.",
        True,
    ),
    (
        13,
        11,
        "ceredigion",
        "Terrace Road, Aberystwyth",
        "person",
        "mda_s23",
        "controlled_drugs",
        "no_further_action",
        False,
        "Nervous and would not make eye contact; in an area where drugs are dealt.",
        True,
    ),
    (
        17,
        19,
        "carmarthenshire",
        "Lammas Street, Carmarthen",
        "person",
        "pace_s1",
        "offensive_weapons",
        "no_further_action",
        False,
        "Caller said a man in a grey hoodie had a knife; he was the only person matching the "
        "description near the bus station, within minutes of the call.",
        True,
    ),
    (
        21,
        23,
        "ceredigion",
        "Great Darkgate Street, Aberystwyth",
        "person",
        "mda_s23",
        "controlled_drugs",
        "community_resolution",
        True,
        "Door staff handed over a bag they saw him drop; he was seen taking a powder from it "
        "in the toilets.",
        True,
    ),
    (
        26,
        15,
        "carmarthenshire",
        "Murray Street, Llanelli",
        "person",
        "mda_s23",
        "controlled_drugs",
        "no_further_action",
        False,
        "Smell of cannabis.",
        False,
    ),
]
DESCRIPTIONS = [
    "Slim, short dark hair, black puffer jacket and grey joggers.",
    "Tall, ginger beard, green parka, carrying a rucksack.",
    "Medium build, blonde ponytail, white trainers and a navy hoodie.",
    "Stocky, shaved head, grey tracksuit, small tattoo on the left hand.",
]
PANEL_COMMENTS = {
    "yes": "The grounds are specific and recorded well.",
    "no": "The record does not say why this person was searched rather than anyone else.",
    "unsure": "The video would settle it: the record alone is thin.",
}


def _first_of_months_ago(today: date, months: int) -> date:
    year, month = today.year, today.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _record_month(users: dict[str, User], month: date) -> None:
    areas = {o.slug: o for o in Organisation.objects.filter(kind=Organisation.Kind.AREA)}
    for index, row in enumerate(RECORDED):
        (day, hour, area, place, kind, power, looking_for, outcome, linked, grounds, video) = row
        recorder = users["frontline"] if area == "ceredigion" else users["inspector"]
        stop_search.search_record(
            actor=recorder,
            search_type=kind,
            occurred_at=timezone.make_aware(datetime.combine(month.replace(day=day), time(hour))),
            area_id=areas[area].pk,
            place=place,
            gender="male" if index % 3 else "female",
            age_range=["18_24", "25_34", "over_34", "10_17"][index % 4],
            self_defined_ethnicity="white_british" if index % 4 else "mixed_white_black_caribbean",
            officer_defined_ethnicity="white" if index % 4 else "black",
            legislation=power,
            object_of_search=looking_for,
            grounds=grounds,
            outcome=outcome,
            outcome_linked=linked,
            body_worn_video=video,
            body_worn_video_reference=f"BWV-{month:%y%m}-{index + 101}" if video else "",
            vehicle_registration="CY19 KTA" if kind == "person_and_vehicle" else "",
            person_description=DESCRIPTIONS[index % len(DESCRIPTIONS)],
        )


# The first session's judgements, case by case: mostly clear grounds, some thin ones.
GROUNDS_FOUND = ("yes", "yes", "no", "yes", "unsure", "yes")
FAIRLY_FOUND = ("yes", "yes", "unsure", "yes", "yes", "yes")


def _judge(users: dict[str, User], session: PanelSession) -> None:
    for case in session.cases.order_by("number"):
        grounds = GROUNDS_FOUND[(case.number - 1) % len(GROUNDS_FOUND)]
        panel.panel_judgement_record(
            actor=users["panel"],
            case_id=case.pk,
            reasonable_grounds=grounds,
            treated_fairly=FAIRLY_FOUND[(case.number - 1) % len(FAIRLY_FOUND)],
            comments=PANEL_COMMENTS[grounds],
        )


def _session(users: dict[str, User], month: date, meeting: date) -> PanelSession:
    opcc, inspector = users["opcc"], users["inspector"]
    panel_org = Organisation.objects.get(slug="qa-panel")
    force = Organisation.objects.get(slug="dyfed-powys-police")
    session = panel.panel_session_arrange(
        actor=opcc,
        panel_id=panel_org.pk,
        force_id=force.pk,
        month=month,
        meeting_date=meeting,
        cases=6,
    )
    for case in session.cases.order_by("number"):
        text = panel.panel_grounds_suggestion(actor=inspector, case_id=case.pk)
        panel.panel_case_prepare(actor=inspector, case_id=case.pk, grounds_for_panel=text)
    session.refresh_from_db()
    panel.panel_session_open(actor=opcc, session_id=session.pk, expected_version=session.version)
    return PanelSession.objects.get(pk=session.pk)


def load_panel(users: dict[str, User]) -> int:
    """The panel's sessions on the two months recorded in Pont: the earlier month's judged,
    closed, answered by the force and published; the later month's open to the panel, half
    judged; and one just arranged, for the force to prepare. Returns how many sessions were
    made."""
    if PanelSession.objects.exists():
        return 0
    today = timezone.localdate()
    earlier, later = _recorded_months()
    first = _session(users, earlier, later.replace(day=12))
    _judge(users, first)
    first = panel.panel_session_close(
        actor=users["opcc"], session_id=first.pk, expected_version=first.version
    )
    first = panel.panel_response_record(
        actor=users["inspector"],
        session_id=first.pk,
        expected_version=first.version,
        response=(
            "The force accepts the panel's findings. Officers whose grounds the panel found "
            "thin will be briefed by their sergeant, and the next training day covers "
            "recording what was seen and smelt, not only the power used."
        ),
    )
    panel.panel_summary_publish(
        actor=users["opcc"],
        session_id=first.pk,
        expected_version=first.version,
        summary_en=(
            "The panel found clear grounds in most of the searches it reviewed. Where it did "
            "not, the record said too little about why that person was searched. The force "
            "will brief the officers concerned and cover recording in training."
        ),
        summary_cy=(
            "Canfu'r panel sail glir yn y rhan fwyaf o'r chwiliadau a adolygwyd. Lle na "
            "wnaeth, roedd y cofnod yn dweud rhy ychydig am pam y chwiliwyd y person hwnnw. "
            "Bydd yr heddlu'n briffio'r swyddogion dan sylw ac yn ymdrin â chofnodi mewn "
            "hyfforddiant."
        ),
    )
    second = _session(users, later, today)
    half = list(second.cases.order_by("number"))[:3]
    for case in half:
        panel.panel_judgement_record(
            actor=users["panel"],
            case_id=case.pk,
            reasonable_grounds="yes",
            treated_fairly="yes",
            comments="",
        )
    # Next month's session, just arranged: the force has its cases to prepare.
    panel.panel_session_arrange(
        actor=users["opcc"],
        panel_id=second.panel_id,
        force_id=second.controller_id,
        month=later,
        meeting_date=today + timedelta(days=28),
        cases=4,
    )
    return 3
