"""Writes for the Quality Assurance Panel. Each is audited in its own transaction.

The commissioner's office arranges a session (the cases drawn at random from a
month of the force's searches recorded in Pont, the seed kept, each officer
given a letter that means nothing outside the session); the force's inspector
prepares each case's grounds for the panel (a suggestion with the identifiers
taken out is offered; the text saved may hold none of the record's identifiers);
the office opens the session to the panel; members record their judgements and
may ask for a case's body-worn video; the office closes it; the force records
its response; the office publishes a summary for the public, in Welsh and English.
"""

import random
import secrets
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import User
from pont.accounts.roles import ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL
from pont.audit import services as audit
from pont.core import redaction
from pont.core.concurrency import STALE_VERSION, update_if_version
from pont.core.exceptions import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    refuse_fields,
    require_capability,
)
from pont.core.forms import month_shown

from . import panel_selectors, selectors
from .models import PanelCase, PanelJudgement, PanelSession, Search

Operation = audit.Operation
Status = PanelSession.Status

MOST_CASES = 30
CHECK_THE_SESSION = _("Check the session details.")
CHECK_THE_GROUNDS = _("Check the grounds for the panel.")
CHECK_THE_JUDGEMENT = _("Check your judgement.")
CHECK_THE_RESPONSE = _("Check the force's response.")
CHECK_THE_SUMMARY = _("Check the public summary.")
SELECT_PANEL = _("Select the panel.")
SELECT_FORCE = _("Select the force whose searches the panel reviews.")
ENTER_MONTH = _("Enter the month of the searches, like 2026-10.")
MONTH_NOT_ENDED = _("Choose a month that has ended: %(month)s has not.")
NO_RECORDED_SEARCHES = _(
    "No searches with grounds were recorded in Pont by %(force)s in %(month)s. Searches "
    "imported from police.uk carry no grounds for the panel to judge."
)
ENTER_MEETING_DATE = _("Enter the date the panel meets.")
MEETING_BEFORE_MONTH_ENDS = _("The panel meets after the month it reviews has ended.")
CASES_RANGE = _("Enter a number of cases from 1 to %(most)s.")
SESSION_NOT_FOUND = _("Panel session not found.")
CASE_NOT_FOUND = _("Panel case not found.")
NOT_PREPARING = _("The session has been opened to the panel: its cases can no longer change.")
ENTER_GROUNDS = _("Enter the grounds as the panel will read them.")
STILL_IDENTIFIES = _(
    "The text still contains %(what)s. Take it out: the panel must not be able to tell who "
    "was searched, where, or by which officer."
)
LEAK_WORDS = {
    redaction.NAME: _("a name from the record"),
    redaction.PLACE: _("the place of the search or an address"),
    redaction.VEHICLE: _("a vehicle registration"),
    redaction.POSTCODE: _("a postcode"),
    redaction.PHONE: _("a phone number"),
    redaction.EMAIL: _("an email address"),
    redaction.DATE: _("a date written in numbers"),
    redaction.IDENTIFIER: _("a reference that identifies the person"),
}
NOT_ALL_PREPARED = _(
    "%(count)s of the session's cases are still being prepared by the force: the session "
    "opens when every case is ready."
)
WRONG_STATUS = _("This cannot be done while the session is %(status)s.")
NOT_OPEN = _("The session is not open: judgements are recorded while it is open.")
SAY_GROUNDS = _("Say whether the grounds for the search were reasonable.")
SAY_FAIRLY = _("Say whether the person was treated fairly.")
NO_FOOTAGE = _("No body-worn video was recorded for this search.")
ENTER_RESPONSE = _("Enter the force's response to the panel.")
NOT_CLOSED = _("The session's report is made when the session closes: close it first.")
ENTER_SUMMARY_EN = _("Enter the public summary in English.")
ENTER_SUMMARY_CY = _("Enter the public summary in Welsh.")
NO_RESPONSE_YET = _("The force has not yet responded: the summary is published with its response.")
ALREADY_PUBLISHED = _("The summary was published on %(day)s.")


def draw_cases(population: list[str], count: int, seed: str) -> list[str]:
    """The cases drawn from the population (search ids, sorted): the same for the same seed."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    return rng.sample(population, min(count, len(population)))


@transaction.atomic
def panel_session_arrange(
    *,
    actor: User,
    panel_id: Any,
    force_id: Any,
    month: date | None,
    meeting_date: date | None,
    cases: int | None,
) -> PanelSession:
    """Arrange a panel session: draw its cases from a month of the force's recorded searches."""
    require_capability(actor, ARRANGE_PANEL_SESSIONS)
    errors: dict[str, list[str]] = {}
    panel = panel_selectors.panels_for(user=actor).filter(pk=panel_id).first() if panel_id else None
    if panel is None:
        errors["panel"] = [str(SELECT_PANEL)]
    forces = panel_selectors.forces_for_panel(user=actor)
    force = forces.filter(pk=force_id).first() if force_id else None
    if force is None:
        errors["force"] = [str(SELECT_FORCE)]
    first = after = None
    if month is None:
        errors["month"] = [str(ENTER_MONTH)]
    else:
        first, after = selectors.month_bounds(month)
        if after > timezone.localdate():
            errors["month"] = [str(MONTH_NOT_ENDED % {"month": month_shown(first)})]
    if meeting_date is None:
        errors["meeting_date"] = [str(ENTER_MEETING_DATE)]
    elif after is not None and meeting_date < after:
        errors["meeting_date"] = [str(MEETING_BEFORE_MONTH_ENDS)]
    if cases is None or not 1 <= cases <= MOST_CASES:
        errors["cases"] = [str(CASES_RANGE % {"most": MOST_CASES})]
    population: list[str] = []
    if force is not None and first is not None and "month" not in errors:
        population = panel_selectors.session_population(
            controller_id=force.pk, month_first=first, month_after=after
        )
        if not population:
            names = {"force": force.display_name, "month": month_shown(first)}
            errors["month"] = [str(NO_RECORDED_SEARCHES % names)]
    if (
        errors
        or panel is None
        or force is None
        or first is None
        or cases is None
        or meeting_date is None
    ):
        # Every missing value has its field's error: this names them all at once.
        raise ApplicationError(str(CHECK_THE_SESSION), {"fields": errors})
    seed = secrets.token_hex(16)
    chosen = draw_cases(population, cases, seed)
    searches = {
        str(search.pk): search
        for search in Search.objects.filter(pk__in=chosen).only("pk", "occurred_at", "officer_id")
    }
    ordered = sorted(chosen, key=lambda pk: (searches[pk].occurred_at, pk))
    letters = redaction.letters_for(
        {s.officer_id for s in searches.values() if s.officer_id is not None}, seed
    )
    session = PanelSession.objects.create(
        controller=force,
        panel=panel,
        meeting_date=meeting_date,
        month=first,
        seed=seed,
        population=len(population),
        created_by=actor,
    )
    PanelCase.objects.bulk_create(
        PanelCase(
            session=session,
            search_id=pk,
            number=number,
            officer_pseudonym=letters.get(searches[pk].officer_id or 0, ""),
        )
        for number, pk in enumerate(ordered, start=1)
    )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION,
        obj=session,
        detail={
            "force": force.slug,
            "panel": panel.slug,
            "month": first.isoformat(),
            "searches": len(population),
            "cases": len(ordered),
        },
    )
    return session


def _case_for(actor: User, case_id: Any) -> PanelCase:
    case = panel_selectors.case_get_for_user(user=actor, case_id=case_id)
    if case is None:
        raise NotFoundError(str(CASE_NOT_FOUND))
    return case


def _own_force_case(actor: User, case_id: Any) -> PanelCase:
    require_capability(actor, RESPOND_TO_PANEL)
    case = _case_for(actor, case_id)
    if case.session.controller_id not in selectors.force_ids_for(user=actor):
        raise NotFoundError(str(CASE_NOT_FOUND))
    return case


def panel_grounds_suggestion(*, actor: User, case_id: Any) -> str:
    """The grounds as recorded with every identifier taken out: a start for the inspector."""
    case = _own_force_case(actor, case_id)
    search = case.search
    return redaction.suggest(search.grounds, panel_selectors.identifiers_of(search))


@transaction.atomic
def panel_case_prepare(*, actor: User, case_id: Any, grounds_for_panel: str) -> PanelCase:
    """Save the grounds as the panel will read them; refuse a text that still identifies."""
    case = _own_force_case(actor, case_id)
    session = PanelSession.objects.select_for_update().get(pk=case.session_id)
    if session.status != Status.PREPARING:
        raise ApplicationError(str(NOT_PREPARING), status=409)
    text = grounds_for_panel.strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["grounds_for_panel"] = [str(ENTER_GROUNDS)]
    else:
        found = redaction.leaks(text, panel_selectors.identifiers_of(case.search))
        if found:
            what = ", ".join(str(LEAK_WORDS[kind]) for kind in found)
            errors["grounds_for_panel"] = [str(STILL_IDENTIFIES % {"what": what})]
    refuse_fields(errors, CHECK_THE_GROUNDS)
    case.grounds_for_panel = text
    case.prepared_by = actor
    case.prepared_at = timezone.now()
    case.save(update_fields=["grounds_for_panel", "prepared_by", "prepared_at"])
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        subject=case.search.person_id,
        obj=case,
        detail={"search": str(case.search_id), "session": session.pk, "prepared": True},
    )
    return case


def _session_for(actor: User, session_id: Any, capability: str) -> PanelSession:
    require_capability(actor, capability)
    session = panel_selectors.session_get_for_user(user=actor, session_id=session_id)
    if session is None:
        raise NotFoundError(str(SESSION_NOT_FOUND))
    return session


def _wrong_status(session: PanelSession) -> ApplicationError:
    status = str(session.get_status_display()).lower()
    return ApplicationError(str(WRONG_STATUS % {"status": status}), status=409)


def _refuse_if_published(session: PanelSession) -> None:
    """Nothing of a session changes once its summary is public."""
    if session.published_at is not None:
        day = formats.date_format(timezone.localdate(session.published_at), "DATE_FORMAT")
        raise ApplicationError(str(ALREADY_PUBLISHED % {"day": day}), status=409)


def _check_version(session: PanelSession, expected_version: int) -> None:
    if session.version != expected_version:
        raise ConflictError(str(STALE_VERSION), {"expected_version": expected_version})


@transaction.atomic
def panel_session_open(*, actor: User, session_id: Any, expected_version: int) -> PanelSession:
    """Open the session to the panel's members, once every case is prepared."""
    session = _session_for(actor, session_id, ARRANGE_PANEL_SESSIONS)
    if session.status != Status.PREPARING:
        raise _wrong_status(session)
    _check_version(session, expected_version)
    waiting = session.cases.filter(prepared_at__isnull=True).count()
    if waiting:
        raise ApplicationError(str(NOT_ALL_PREPARED % {"count": waiting}), status=409)
    update_if_version(
        session,
        expected_version=expected_version,
        fields={"status": Status.OPEN, "opened_at": timezone.now()},
    )
    audit.record(actor=actor, operation=Operation.ALTERATION, obj=session, detail={"to": "open"})
    return session


@transaction.atomic
def panel_session_close(*, actor: User, session_id: Any, expected_version: int) -> PanelSession:
    """Close the session: judgements end and the report can be made."""
    session = _session_for(actor, session_id, ARRANGE_PANEL_SESSIONS)
    if session.status != Status.OPEN:
        raise _wrong_status(session)
    update_if_version(
        session,
        expected_version=expected_version,
        fields={"status": Status.CLOSED, "closed_at": timezone.now()},
    )
    audit.record(actor=actor, operation=Operation.ALTERATION, obj=session, detail={"to": "closed"})
    return session


def _member_case(actor: User, case_id: Any) -> PanelCase:
    require_capability(actor, JUDGE_PANEL_CASES)
    case = _case_for(actor, case_id)
    if case.session.panel_id not in set(
        panel_selectors.panels_for(user=actor).values_list("pk", flat=True)
    ):
        raise NotFoundError(str(CASE_NOT_FOUND))
    if case.session.status != Status.OPEN:
        raise ApplicationError(str(NOT_OPEN), status=409)
    return case


@transaction.atomic
def panel_judgement_record(
    *, actor: User, case_id: Any, reasonable_grounds: str, treated_fairly: str, comments: str
) -> PanelJudgement:
    """Record, or change while the session is open, a panel member's judgement of a case."""
    case = _member_case(actor, case_id)
    errors: dict[str, list[str]] = {}
    if reasonable_grounds not in PanelJudgement.Answer.values:
        errors["reasonable_grounds"] = [str(SAY_GROUNDS)]
    if treated_fairly not in PanelJudgement.Answer.values:
        errors["treated_fairly"] = [str(SAY_FAIRLY)]
    refuse_fields(errors, CHECK_THE_JUDGEMENT)
    judgement, created = PanelJudgement.objects.update_or_create(
        case=case,
        member=actor,
        defaults={
            "reasonable_grounds": reasonable_grounds,
            "treated_fairly": treated_fairly,
            "comments": comments.strip(),
        },
    )
    audit.record(
        actor=actor,
        operation=Operation.COLLECTION if created else Operation.ALTERATION,
        obj=judgement,
        detail={"session": case.session_id, "case": case.number},
    )
    return judgement


@transaction.atomic
def panel_footage_request(*, actor: User, case_id: Any) -> PanelCase:
    """A member asks to see the case's body-worn video (the force arranges the viewing)."""
    case = _member_case(actor, case_id)
    if not case.search.body_worn_video_reference:
        raise ApplicationError(str(NO_FOOTAGE), status=409)
    if case.footage_requested_at is None:
        case.footage_requested_at = timezone.now()
        case.save(update_fields=["footage_requested_at"])
        audit.record(
            actor=actor,
            operation=Operation.COLLECTION,
            obj=case,
            detail={"session": case.session_id, "case": case.number, "footage": "requested"},
        )
    return case


@transaction.atomic
def panel_response_record(
    *, actor: User, session_id: Any, response: str, expected_version: int
) -> PanelSession:
    """The force's response to a closed session's findings (it may be revised until published)."""
    session = _session_for(actor, session_id, RESPOND_TO_PANEL)
    if session.controller_id not in selectors.force_ids_for(user=actor):
        raise NotFoundError(str(SESSION_NOT_FOUND))
    if session.status != Status.CLOSED:
        raise ApplicationError(str(NOT_CLOSED), status=409)
    _refuse_if_published(session)
    _check_version(session, expected_version)
    refuse_fields(
        {} if response.strip() else {"force_response": [str(ENTER_RESPONSE)]}, CHECK_THE_RESPONSE
    )
    update_if_version(
        session,
        expected_version=expected_version,
        fields={
            "force_response": response.strip(),
            "responded_by": actor,
            "responded_at": timezone.now(),
        },
    )
    audit.record(
        actor=actor, operation=Operation.ALTERATION, obj=session, detail={"response": True}
    )
    return session


@transaction.atomic
def panel_summary_publish(
    *, actor: User, session_id: Any, summary_en: str, summary_cy: str, expected_version: int
) -> PanelSession:
    """Publish the session's summary for the public, in English and Welsh, once."""
    session = _session_for(actor, session_id, ARRANGE_PANEL_SESSIONS)
    if session.status != Status.CLOSED:
        raise ApplicationError(str(NOT_CLOSED), status=409)
    _refuse_if_published(session)
    if not session.force_response:
        raise ApplicationError(str(NO_RESPONSE_YET), status=409)
    _check_version(session, expected_version)
    errors: dict[str, list[str]] = {}
    if not summary_en.strip():
        errors["summary_en"] = [str(ENTER_SUMMARY_EN)]
    if not summary_cy.strip():
        errors["summary_cy"] = [str(ENTER_SUMMARY_CY)]
    refuse_fields(errors, CHECK_THE_SUMMARY)
    update_if_version(
        session,
        expected_version=expected_version,
        fields={
            "summary_en": summary_en.strip(),
            "summary_cy": summary_cy.strip(),
            "published_at": timezone.now(),
        },
    )
    audit.record(actor=actor, operation=Operation.DISCLOSURE, obj=session, detail={"public": True})
    return session
