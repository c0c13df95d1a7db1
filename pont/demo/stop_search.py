"""Stop and search in the demo: the real Dyfed-Powys police.uk months shipped with Pont, and
the audit samples of two of them, reviewed by the local and the independent inspector."""

import random
from datetime import date
from pathlib import Path

from pont.accounts.models import Organisation, User
from pont.stop_search import services as stop_search
from pont.stop_search.models import AuditSample, PoliceUkImport, SearchReview

POLICEUK_FILES = Path(stop_search.__file__).resolve().parent / "data" / "policeuk"
SAMPLED_MONTHS = (date(2019, 9, 1), date(2019, 10, 1))
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
    stop_search.search_review_record(
        actor=reviewer,
        sampled_id=review.sampled_id,
        kind=review.kind,
        grounds_reasonable=grounds,
        grounds_recorded_sufficiently=grounds == "yes",
        body_worn_video="not_available",  # police.uk months carry no video references
        conduct={
            "yes": "No concerns from the record; no video to review.",
            "partly": "Courteous by the record, but the grounds were thin for a search.",
            "no": "The record does not show why this person was searched rather than others.",
        }[grounds],
        rating=rating,
        feedback=FEEDBACK.get(rating, ""),
        themes=[] if grounds == "yes" else ["grounds_quality"],
        expected_version=review.version,
    )
    return grounds


def load_search_audit(users: dict[str, User]) -> int:
    """Draw the two months' samples once and review them (the later month half by both)."""
    force = Organisation.objects.filter(kind=Organisation.Kind.FORCE).order_by("pk").first()
    if force is None or AuditSample.objects.filter(controller=force).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not security
    drawn = 0
    for month in SAMPLED_MONTHS:
        sample = stop_search.search_sample_draw(actor=None, controller=force, month=month)
        drawn += 1
        reviews = SearchReview.objects.filter(sampled__sample=sample).order_by("pk")
        locals_ = [r for r in reviews if r.kind == SearchReview.Kind.LOCAL]
        independents = {r.sampled_id: r for r in reviews if r.kind == SearchReview.Kind.INDEPENDENT}
        for index, review in enumerate(locals_):
            if month == SAMPLED_MONTHS[-1] and index % 2:
                continue  # the latest month is still being reviewed
            grounds = _review(users["inspector"], review, rng)
            # The independent inspector mostly agrees, sometimes not.
            other = independents[review.sampled_id]
            like = grounds if rng.random() < 0.8 else ""
            _review(users["indinspector"], other, rng, like=like)
    return drawn
