"""Reads of referrals. Every function returns only what the actor may see."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_lazy

from pont.accounts.models import ApiClient, Organisation, User
from pont.accounts.roles import VIEW_ALL_EMAIL_LOG, VIEW_EMAIL_LOG
from pont.accounts.selectors import memberships_of
from pont.core import rows as sql
from pont.core.working_days import add_working_days
from pont.directory.models import County, Service
from pont.people.models import Person

from .actors import Actor, names_shown, provider_organisation_ids, referrer_controller_ids
from .models import (
    Appointment,
    ClosureReason,
    ContactAttempt,
    QueuedEmail,
    Referral,
    ReferralEvent,
    ReferralSla,
    WebhookEndpoint,
)

Status = Referral.Status


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def referral_list_visible_to(*, actor: Actor) -> QuerySet[Referral]:
    """Referrals the actor may see: made by their force, or sent to their provider.

    A provider never sees another provider's referrals, nor one never sent (a draft, or a
    draft cancelled before it was sent): `requested_at` is set when, and only when, a
    referral is sent.
    """
    condition = Q(pk__in=[])
    controllers = referrer_controller_ids(actor)
    if controllers:
        condition |= Q(referring_controller_id__in=controllers)
    providers = provider_organisation_ids(actor)
    if providers:
        condition |= Q(receiving_organisation_id__in=providers, requested_at__isnull=False)
    # Only what lists and the API read for every row; a single referral's page loads the rest.
    return Referral.objects.filter(condition).select_related(
        "person", "service", "referring_organisation", "receiving_organisation", "closure_reason"
    )


def referral_scope(*, actor: Actor, side: str = "") -> QuerySet[Referral]:
    """The referrals the actor may see (side=""), or act on as provider or referrer.

    side="provider": the actor works referrals to the receiving organisation;
    side="referrer": the actor made it for their force.
    """
    if side == "provider":
        scope = Q(
            receiving_organisation_id__in=provider_organisation_ids(actor, write=True),
            requested_at__isnull=False,
        )
        return Referral.objects.filter(scope)
    if side == "referrer":
        return Referral.objects.filter(referring_controller_id__in=referrer_controller_ids(actor))
    return referral_list_visible_to(actor=actor)


def first_by_pk(queryset: QuerySet[Referral], referral_id: Any) -> Referral | None:
    """The referral with this id in the queryset, or None; an id that is not a UUID is None too."""
    try:
        found = list(queryset.filter(pk=referral_id).order_by()[:1])
    except (ValueError, TypeError, ValidationError):  # not a UUID: exactly like a missing referral
        return None
    return found[0] if found else None


_REFERRAL = sql.Instances(Referral, "r")


def referral_locked_for(*, actor: Actor, referral_id: Any, side: str) -> Referral | None:
    """The referral if the actor may act on it from `side` (as `referral_scope` says), locked
    for the caller's transaction; else None (404). An id that is not a UUID is None too.

    Every change to a referral starts here, inside the lock every writer takes (SQLite's
    one writer; PostgreSQL's row lock), so its SQL is written out
    (docs/adr/0004-hand-written-sql-on-hot-paths.md). Only the referral's own row is
    locked: locking the joined organisation and service rows too would block every
    transaction whose foreign keys point at them (PostgreSQL checks foreign keys with KEY
    SHARE locks) and could deadlock against the audit chain head. On SQLite, BEGIN
    IMMEDIATE has already serialised the writers.
    """
    if side == "provider":
        organisations = sorted(provider_organisation_ids(actor, write=True))
        column = "receiving_organisation"
    elif side == "referrer":
        organisations = sorted(referrer_controller_ids(actor))
        column = "referring_controller"
    else:
        raise ValueError(f"Unknown side {side!r}.")
    if not organisations:
        return None
    try:
        key = sql.prepared(Referral, "id", referral_id)
    except (ValueError, TypeError, ValidationError):
        return None
    r = sql.quoted
    query = (
        f"SELECT {{columns}} FROM {sql.table(Referral)} r"  # noqa: S608 - names from the model
        f" WHERE r.{r(Referral, 'id')} = %s"
        f" AND r.{r(Referral, column)} IN ({_marks(len(organisations))})"
    )
    params: list[Any] = [key, *organisations]
    if side == "provider":  # never one that was not sent
        query += f" AND r.{r(Referral, 'requested_at')} IS NOT NULL"
    if connection.features.has_select_for_update_of:
        query += " FOR UPDATE OF r"
    return _REFERRAL.get(query, params)


def referral_get_for_actor(*, actor: Actor, referral_id: Any, side: str = "") -> Referral | None:
    """Return the referral if the actor may see it (and act on `side`), else None (404)."""
    return first_by_pk(referral_scope(actor=actor, side=side), referral_id)


def referral_timeline(referral: Referral) -> list[ReferralEvent]:
    """The referral's steps, each with `by`: who took it, as a page names them (and, for an
    assignment, `to`: whom it was given, "" for nobody)."""
    events = list(referral.events.all())
    given = [e.detail.get("worker") or "" for e in events if e.kind == "assigned"]
    shown = names_shown([*(e.actor_label for e in events), *filter(None, given)])
    appointments = {a.pk: a for a in referral.appointments.all()}
    closures = {r.code: r.label for r in ClosureReason.objects.all()}
    for event in events:
        event.by = shown[event.actor_label]  # type: ignore[attr-defined]  # for the page only
        if event.kind == "assigned":
            worker = event.detail.get("worker") or ""
            event.to = shown[worker] if worker else ""  # type: ignore[attr-defined]
        event.says = _event_says(  # type: ignore[attr-defined]
            event, referral, appointments, closures
        )
    return events


def _choice_label(choices: Any, value: Any) -> str:
    return str(dict(choices.choices).get(value, value or ""))


def _event_says(
    event: ReferralEvent,
    referral: Referral,
    appointments: dict[int, Appointment],
    closures: dict[str, str],
) -> str:
    """What the step was, in a line under its title: how and with what result a contact
    attempt went, which appointment (when, what, where), the answer to "did they come?", the
    closure reason, the day treatment started."""
    detail = event.detail or {}
    if event.kind == "treatment_started" and referral.treatment_started_at:
        day = formats.date_format(timezone.localtime(referral.treatment_started_at), "j M Y")
        return gettext("Started on %(day)s") % {"day": day}
    if event.kind == "contact_attempt_logged":
        return "{}: {}".format(
            _choice_label(ContactAttempt.Method, detail.get("method")),
            _choice_label(ContactAttempt.Result, detail.get("result")),
        )
    if event.kind == "closed":
        code = detail.get("closure_reason", "")
        return str(closures.get(code, code))
    if event.kind == "draft_changed" and detail.get("changed"):
        fields = {f.name: f.verbose_name for f in Referral._meta.concrete_fields}
        names = [str(fields.get(name, name)) for name in detail["changed"]]
        return gettext("Changed: %(fields)s") % {"fields": ", ".join(names)}
    appointment = appointments.get(detail.get("appointment"))  # type: ignore[arg-type]
    if appointment is None:
        return ""
    if event.kind == "attendance_recorded":
        return "{}: {}".format(
            appointment.described,
            _choice_label(Appointment.Attendance, detail.get("attendance")),
        )
    if event.kind == "attendance_corrected":
        return gettext("%(appointment)s: %(now)s, not %(was)s") % {
            "appointment": appointment.described,
            "now": _choice_label(Appointment.Attendance, detail.get("attendance")),
            "was": _choice_label(Appointment.Attendance, detail.get("was")).lower(),
        }
    if event.kind in ("appointment_booked", "appointment_set", "appointment_cancelled"):
        return appointment.described
    return ""


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _county_names() -> dict[str, str]:
    """Each county's code by its name as an address may give it, in English or Welsh
    ("Pembrokeshire", "Sir Benfro"), whatever the language of the page."""
    from django.utils import translation

    names: dict[str, str] = {}
    for language in ("en", "cy"):
        with translation.override(language):
            names.update({str(label).casefold(): code for code, label in County.choices})
    names.update({code: code for code in County.values})
    return names


def service_fit(referral: Referral, today: date | None = None) -> list[str]:
    """Where the service, by its directory entry, may not fit the person: their age outside
    its ages, a Welsh speaker and a service not offered in Welsh, an address in a county it
    does not cover. Said to the referrer before sending; never a refusal (the entry may be
    out of date, and the provider decides)."""
    from pont.directory.templatetags.directory import counties

    service, person = referral.service, referral.person
    today = today or timezone.localdate()
    name = person.given_name
    said: list[str] = []
    age = _age_on(person.date_of_birth, today)
    low, high = service.minimum_age, service.maximum_age
    if (low is not None and age < low) or (high is not None and age > high):
        if low is not None and high is not None:
            ages = gettext(
                "%(name)s is %(age)s; the service is for people aged %(low)s to %(high)s."
            )
        elif low is not None:
            ages = gettext("%(name)s is %(age)s; the service is for people aged %(low)s and over.")
        else:
            ages = gettext("%(name)s is %(age)s; the service is for people aged up to %(high)s.")
        said.append(ages % {"name": name, "age": age, "low": low, "high": high})
    codes = {language.code for language in service.languages.all()}
    if person.preferred_language == "cy" and codes and "cy" not in codes:
        said.append(
            str(
                gettext("%(name)s prefers Welsh; the service does not say it is offered in Welsh.")
                % {"name": name}
            )
        )
    covered = {area.county for area in service.service_areas.all()}
    known = _county_names()
    lives = {
        known[route.county.strip().casefold()]
        for route in person.contact_routes.filter(ended_at__isnull=True, kind="address")
        if route.county.strip().casefold() in known
    }
    if covered and lives and not lives & covered:
        said.append(
            str(
                gettext("%(name)s's address is outside the counties it covers (%(areas)s).")
                % {"name": name, "areas": counties(service)}
            )
        )
    return said


def open_referrals_to_same_service(*, actor: Actor, referral: Referral) -> list[Referral]:
    """The person's other referrals to the same service that are still open (sent and not yet
    ended), latest sent first, among those the actor may see: said to the referrer on a
    draft's page, so that a second referral for the same episode is not sent by mistake."""
    return list(
        referral_list_visible_to(actor=actor)
        .filter(
            person_id=referral.person_id,
            service_id=referral.service_id,
            status__in=Referral.OPEN_STATUSES,
        )
        .exclude(pk=referral.pk)
        .order_by("-requested_at", "-created_at")
    )


# The stages a referral passes from being sent, in order (the funnel's, and a queue's
# "furthest step"): code, label, the referral's own time of reaching it.
STAGES = [
    ("requested", gettext_lazy("Sent"), "requested_at"),
    ("accepted", gettext_lazy("Accepted"), "accepted_at"),
    ("contacted", gettext_lazy("Reached by the service"), "first_contacted_at"),
    ("appointment", gettext_lazy("Appointment booked"), "first_appointment_booked_at"),
    ("attended", gettext_lazy("Attended"), "first_attended_at"),
    ("treatment", gettext_lazy("Started treatment"), "treatment_started_at"),
]


def furthest_stage(referral: Referral) -> tuple[Any, datetime] | None:
    """The furthest stage after sending that this referral has reached, and when: what a
    queue shows of its progress (None before the provider has done anything)."""
    for _code, label, reached in reversed(STAGES[1:]):
        when = getattr(referral, reached)
        if when is not None:
            return label, when
    return None


def person_referrals(*, actor: Actor, person: Person) -> list[Referral]:
    """The person's referrals the actor may see, latest first, with how far each has come:
    for their record's page (a provider sees only those sent to it)."""
    referrals = list(
        referral_list_visible_to(actor=actor)
        .filter(person=person)
        .order_by(F("requested_at").desc(nulls_first=True), "-created_at")
    )
    for referral in referrals:
        referral.furthest = furthest_stage(referral)  # type: ignore[attr-defined]
    return referrals


def provider_history_with(*, referral: Referral) -> QuerySet[Referral]:
    """Other referrals of the same person to the same organisation (the provider's own history)."""
    return (
        Referral.objects.filter(
            person=referral.person, receiving_organisation=referral.receiving_organisation
        )
        .exclude(pk=referral.pk)
        .exclude(requested_at__isnull=True)
        .select_related("service")
        .order_by("-requested_at")
    )


def sla_limits(on: date | None = None) -> dict[str, ReferralSla]:
    """The working-day limits in force, by milestone code."""
    return {row.code: row for row in ReferralSla.objects.effective_on(on)}


Limits = Callable[[date], dict[str, ReferralSla]]


# Every API call that shows a referral shows its time limits: their rows are read by a query
# written out (docs/adr/0004), which the ORM took about half a millisecond to build.
_SLA_ROWS = sql.Instances(ReferralSla, "s")


@cache
def _sla_query(vendor: str) -> str:
    r = sql.quoted
    return (
        f"SELECT {{columns}} FROM {sql.table(ReferralSla)} s"  # noqa: S608 - names only
        f" ORDER BY s.{r(ReferralSla, 'code')}, s.{r(ReferralSla, 'effective_from')}"
    )


def sla_limits_by_day() -> Limits:
    """`sla_limits` for any day, from every row read once (a handful): for a page, a figure or
    an API list that looks at many referrals sent on many days (one query in all)."""
    rows = _SLA_ROWS.all(_sla_query(connection.vendor), ())

    @cache
    def on(day: date) -> dict[str, ReferralSla]:
        return {
            row.code: row
            for row in rows
            if row.effective_from <= day and (row.effective_to is None or day <= row.effective_to)
        }

    return on


def due_dates(referral: Referral, limits: Limits = sla_limits) -> dict[str, date]:
    """When each milestone of this referral falls due, in working days from sending."""
    if referral.requested_at is None:
        return {}
    sent = timezone.localdate(referral.requested_at)
    return {code: add_working_days(sent, sla.working_days) for code, sla in limits(sent).items()}


# What each time limit waits for: the referral's own timestamp of that milestone, and how a
# page names it when it is late. A limit whose code is not here is not a milestone Pont
# records, so it is never counted late (neither by the queues' condition nor by a page).
MILESTONE_FIELDS: dict[str, str] = {
    "accepted": "accepted_at",
    "first_contact_attempt": "first_contact_attempt_at",
    "treatment_start": "treatment_started_at",
}
MILESTONE_LATE: dict[str, Any] = {
    "accepted": gettext_lazy("acceptance"),
    "first_contact_attempt": gettext_lazy("the first contact attempt"),
    "treatment_start": gettext_lazy("starting treatment"),
}


@dataclass(frozen=True)
class TimeLimit:
    """One of a referral's time limits: its milestone, the last day allowed, and the day
    (UK local) the milestone was reached, if it was."""

    code: str
    due: date
    reached: date | None

    @property
    def label(self) -> Any:
        return MILESTONE_LATE[self.code]

    @property
    def late(self) -> bool:
        """Reached, but after the last day allowed."""
        return self.reached is not None and self.reached > self.due

    def overdue(self, status: str, today: date) -> bool:
        """Past its last day with the milestone not reached, the referral (in `status`) still
        open: a closed one is overdue for nothing."""
        return status in Referral.OPEN_STATUSES and self.reached is None and today > self.due


def _time_limits_of(
    requested_at: datetime | None, reached_at: Callable[[str], Any], limits: Limits
) -> list[TimeLimit]:
    """The time limits of a referral sent at `requested_at` (none before it is sent), each
    with the day its milestone was reached (`reached_at(field)`: a model's or a row's)."""
    if requested_at is None:
        return []
    sent = timezone.localdate(requested_at)
    shown = []
    for code, sla in limits(sent).items():
        field = MILESTONE_FIELDS.get(code)
        if field is not None:
            reached = reached_at(field)
            due = add_working_days(sent, sla.working_days)
            shown.append(TimeLimit(code, due, reached and timezone.localdate(reached)))
    return shown


def time_limits(referral: Referral, limits: Limits = sla_limits) -> list[TimeLimit]:
    """The referral's time limits (none before it is sent), each with when it was met."""
    return _time_limits_of(referral.requested_at, lambda field: getattr(referral, field), limits)


def api_time_limits(row: dict[str, Any], limits: Limits, today: date) -> list[dict[str, Any]]:
    """A referral's time limits as the partner API gives them, from its row (`requested_at`,
    `status` and the milestones' fields), worked out as the portal's (`time_limits`,
    `past_due`): each milestone, its last day, the day it was met, and whether it is overdue
    now."""
    return [
        {
            "milestone": limit.code,
            "due": limit.due,
            "met_on": limit.reached,
            "overdue": limit.overdue(row["status"], today),
        }
        for limit in _time_limits_of(row["requested_at"], row.__getitem__, limits)
    ]


def overdue_milestones(
    referral: Referral, today: date | None = None, limits: Limits = sla_limits
) -> list[TimeLimit]:
    """The time limits this referral is past with its milestone not reached, as of today
    (`limits`: `sla_limits_by_day()` when looking at many)."""
    if referral.status not in Referral.OPEN_STATUSES:
        return []  # closed: its limits are not worked out at all
    return past_due(referral, time_limits(referral, limits), today)


def past_due(
    referral: Referral, shown: list[TimeLimit], today: date | None = None
) -> list[TimeLimit]:
    """Of the referral's time limits (`time_limits`, already worked out for its page), those
    it is past with the milestone not reached, as of today; none once it is closed."""
    today = today or timezone.localdate()
    return [t for t in shown if t.overdue(referral.status, today)]


def overdue_condition(today: date | None = None) -> Q:
    """A queryset condition for open referrals past any time limit (for queues and counts)."""
    today = today or timezone.localdate()
    condition = Q(pk__in=[])
    for code, sla in sla_limits(today).items():
        field = MILESTONE_FIELDS.get(code)
        if field is None:
            continue
        # Overdue when sent + N working days < today, i.e. sent before the day that
        # lies N working days before today.
        latest_sent = add_working_days(today, -sla.working_days) - timedelta(days=1)
        condition |= Q(**{f"{field}__isnull": True}) & Q(requested_at__date__lte=latest_sent)
    return Q(status__in=Referral.OPEN_STATUSES) & condition


def webhook_endpoints_for(*, actor: Actor) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints of the organisations whose referrals the actor works."""
    return WebhookEndpoint.objects.filter(organisation_id__in=provider_organisation_ids(actor))


def emails_visible_to(*, user: User) -> QuerySet[QueuedEmail]:
    """The emails Pont queued that the user may see: every one for the system's administrator,
    those to their own organisations (a service's inbox, its staff) for a provider's manager."""
    emails = QueuedEmail.objects.select_related("organisation")
    if user.has_perm(VIEW_ALL_EMAIL_LOG):
        return emails
    if user.has_perm(VIEW_EMAIL_LOG):
        own = [membership.organisation_id for membership in memberships_of(user=user)]
        return emails.filter(organisation_id__in=own)
    return emails.none()


# The partner API's read of referrals, written out in SQL: every API call reads through it (a list,
# a get, the answer to each write), and the ORM took four times as long to build these three
# queries as the database took to run them (docs/adr/0004-hand-written-sql-on-hot-paths.md).
# The scope is the one `referral_list_visible_to` gives an API client: referrals sent to its
# organisation, never one that was not sent. The tests compare these rows with the ORM's
# reading of them.

# The referral's own fields, as they are.
API_REFERRAL_FIELDS = (
    "status",
    "version",
    "source_kind",
    "urgency",
    "reason",
    "legal_basis",
    "statutory_basis",
    "requested_at",
    "accepted_at",
    "rejected_at",
    "first_contact_attempt_at",
    "first_contacted_at",
    "first_attended_at",
    "treatment_started_at",
    "closed_at",
    "cancelled_at",
    "rejection_reason",
    "cancellation_reason",
    "already_known_to_provider",
    "updated_at",
)
API_PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "preferred_language")
API_APPOINTMENT_FIELDS = ("id", "kind", "starts_at", "place", "attendance")
API_ATTEMPT_FIELDS = ("id", "method", "attempted_at", "result", "note")

_API_REFERRALS = sql.Select(
    [
        ("id", "r", sql.column(Referral, "id")),
        ("person_id", "r", sql.column(Referral, "person")),
        ("service_id", "r", sql.column(Referral, "service")),
        ("contact_snapshot", "r", sql.column(Referral, "contact_snapshot")),
        *((name, "r", sql.column(Referral, name)) for name in API_REFERRAL_FIELDS),
        *((f"person_{name}", "p", sql.column(Person, name)) for name in API_PERSON_FIELDS),
        ("service_name", "s", sql.column(Service, "name")),
        ("referring_organisation", "o", sql.column(Organisation, "name")),
        ("closure_reason", "c", sql.column(ClosureReason, "code")),
    ]
)
_API_APPOINTMENTS = sql.Select(
    [
        ("referral_id", "a", sql.column(Appointment, "referral")),
        *((name, "a", sql.column(Appointment, name)) for name in API_APPOINTMENT_FIELDS),
    ]
)
_API_ATTEMPTS = sql.Select(
    [
        ("referral_id", "a", sql.column(ContactAttempt, "referral")),
        *((name, "a", sql.column(ContactAttempt, name)) for name in API_ATTEMPT_FIELDS),
    ]
)


@cache
def _api_referrals_query(
    vendor: str,
    *,
    organisations: int,
    one: bool,
    status: bool,
    updated_since: bool,
    after: bool,
    limit: bool,
) -> str:
    """The text of `referral_api_rows`' main query, for each shape it takes (made once: it
    runs on every partner call). Its parameters, in order: the organisations, then the
    referral, status, time, cursor (time, time, id) and limit it uses."""
    r = sql.quoted
    pk, status_column = f"r.{r(Referral, 'id')}", f"r.{r(Referral, 'status')}"
    updated = f"r.{r(Referral, 'updated_at')}"
    where = [
        f"r.{r(Referral, 'receiving_organisation')} IN ({_marks(organisations)})",
        f"r.{r(Referral, 'requested_at')} IS NOT NULL",  # never one that was not sent
    ]
    if one:
        where.append(f"{pk} = %s")
    if status:
        where.append(f"{status_column} = %s")
    if updated_since:
        where.append(f"{updated} >= %s")
    if after:
        where.append(f"({updated} > %s OR ({updated} = %s AND {pk} > %s))")
    # Names come from the models and every value is bound: nothing from the request is spliced.
    query = (
        "SELECT {columns}"  # noqa: S608
        f" FROM {sql.table(Referral)} r"
        f" JOIN {sql.table(Person)} p ON p.{r(Person, 'id')} = r.{r(Referral, 'person')}"
        f" JOIN {sql.table(Service)} s ON s.{r(Service, 'id')} = r.{r(Referral, 'service')}"
        f" JOIN {sql.table(Organisation)} o"
        f" ON o.{r(Organisation, 'id')} = r.{r(Referral, 'referring_organisation')}"
        f" LEFT JOIN {sql.table(ClosureReason)} c"
        f" ON c.{r(ClosureReason, 'id')} = r.{r(Referral, 'closure_reason')}"
        f" WHERE {' AND '.join(where)} ORDER BY {updated}, {pk}"
    )
    return query + (" LIMIT %s" if limit else "")


@cache
def _api_history_query(
    vendor: str, model: type[Appointment | ContactAttempt], order: tuple[str, ...], referrals: int
) -> str:
    """The query for the appointments or contact attempts of `referrals` referrals."""
    r = sql.quoted
    by = ", ".join(f"a.{r(model, name)}" for name in order)
    return (
        f"SELECT {{columns}} FROM {sql.table(model)} a"  # noqa: S608 - as above
        f" WHERE a.{r(model, 'referral')} IN ({_marks(referrals)}) ORDER BY {by}"
    )


def referral_api_rows(
    *,
    client: ApiClient,
    referral_id: Any = None,
    status: str = "",
    updated_since: datetime | None = None,
    after: tuple[datetime, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The referrals sent to the client's organisation, as the partner API shows them.

    One referral (`referral_id`; an id that is not a UUID finds none), or a page
    in the order they last changed (`updated_at`, then id): of one `status`,
    changed at or after `updated_since`, after the cursor's (time, id), at most
    `limit`. Three queries for any number. Each row keeps the person's id under
    `_person_id`, for the disclosure record.
    """
    organisations = sorted(provider_organisation_ids(client))
    if not organisations:
        return []
    params: list[Any] = [*organisations]
    if referral_id is not None:
        try:
            params.append(sql.prepared(Referral, "id", referral_id))
        except (ValueError, TypeError, ValidationError):
            return []
    if status:
        params.append(status)
    if updated_since is not None:
        params.append(sql.prepared(Referral, "updated_at", updated_since))
    if after is not None:
        when = sql.prepared(Referral, "updated_at", after[0])
        params += [when, when, sql.prepared(Referral, "id", after[1])]
    if limit is not None:
        params.append(limit)
    query = _api_referrals_query(
        connection.vendor,
        organisations=len(organisations),
        one=referral_id is not None,
        status=bool(status),
        updated_since=updated_since is not None,
        after=after is not None,
        limit=limit is not None,
    )
    found = _API_REFERRALS.rows(query, params)
    if not found:
        return []
    ids = [row["id"] for row in found]
    keys = [sql.prepared(Referral, "id", pk) for pk in ids]
    appointments: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in ids}
    attempts: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for model, select, into, order in (
        (Appointment, _API_APPOINTMENTS, appointments, ("starts_at",)),
        (ContactAttempt, _API_ATTEMPTS, attempts, ("attempted_at", "created_at")),
    ):
        query = _api_history_query(connection.vendor, model, order, len(keys))
        for row in select.rows(query, keys):
            into[row.pop("referral_id")].append(row)
    limits, today = sla_limits_by_day(), timezone.localdate()
    return [
        {
            "id": str(row["id"]),
            "reference": Referral.reference_for(row["id"]),
            **{name: row[name] for name in API_REFERRAL_FIELDS},
            "person": {
                "reference": Person.reference_for(row["person_id"]),
                **{name: row[f"person_{name}"] for name in API_PERSON_FIELDS},
            },
            "contact_routes": row["contact_snapshot"],
            "service": {"id": str(row["service_id"]), "name": row["service_name"]},
            "referring_organisation": row["referring_organisation"],
            "closure_reason": row["closure_reason"],
            "appointments": appointments[row["id"]],
            "contact_attempts": attempts[row["id"]],
            "time_limits": api_time_limits(row, limits, today),
            "_person_id": row["person_id"],
        }
        for row in found
    ]


def referral_search_purpose(user: Any, service_id: str) -> Any:
    """Finding a person to refer to this service (`people.access.SearchPurpose`), if the user
    may refer and the service takes referrals through Pont; otherwise None."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from pont.accounts.roles import MAKE_REFERRAL
    from pont.directory.selectors import service_get
    from pont.people.access import SearchPurpose

    if not user.has_perm(MAKE_REFERRAL):
        return None
    service = service_get(service_id=service_id)
    if service is None or not service.can_receive_referrals:
        return None
    start, chosen = reverse("referrals:create"), str(service.pk)

    def link(person_id: int) -> str:
        return f"{start}?{urlencode({'person': str(person_id), 'service': chosen})}"

    return SearchPurpose(
        caption=gettext("Referring to %(service)s") % {"service": service.display_name},
        hint=gettext("Find the person you are referring, then choose “Refer” beside their name."),
        link_label=gettext("Refer"),
        link=link,
    )
