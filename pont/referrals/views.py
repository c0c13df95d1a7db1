"""Referral pages: the referrer's and the provider's queues, the referral page and its actions,
the caseload export, the funnel dashboard, and the provider's webhooks."""

import csv
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, When
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import (
    EXPORT_CASELOAD,
    MAKE_REFERRAL,
    MANAGE_SERVICE_REFERRALS,
    MANAGE_WEBHOOKS,
    VIEW_ALL_EMAIL_LOG,
    VIEW_EMAIL_LOG,
    VIEW_REFERRAL_FUNNEL,
    WORK_REFERRAL,
)
from pont.accounts.selectors import users_able_to
from pont.audit import services as audit
from pont.core.charts import Bar, horizontal_bar_chart
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.exports import csv_attachment, spreadsheet_text
from pont.core.figures import SUPPRESSED
from pont.core.forms import apply_application_error, form_status
from pont.core.numbers import whole_number
from pont.core.refusals import not_found
from pont.core.shown_once import keep_to_show_once, take_to_show
from pont.core.templatetags.govuk import field_anchor
from pont.people.models import Person
from pont.people.selectors import contact_routes_of, person_get_for_user

from . import funnel as funnel_module
from . import outbox, selectors, services, sources
from .actors import provider_organisation_ids, referrer_controller_ids
from .completeness import check_completeness
from .forms import (
    AcceptForm,
    AppointmentForm,
    AssignForm,
    AttendanceForm,
    CancelAppointmentForm,
    ChangeReasonForm,
    CloseForm,
    ContactAttemptForm,
    CorrectAttendanceForm,
    FunnelFilterForm,
    ReasonForm,
    ReferralCreateForm,
    TreatmentStartForm,
    WebhookCreateForm,
)
from .models import Appointment, DeliveryAttempt, QueuedEmail, Referral, WebhookEndpoint

Status = Referral.Status
PAGE_SIZE = 25

PROVIDER_QUEUES = {
    "new": (gettext_lazy("New"), lambda q: q.filter(status=Status.REQUESTED)),
    "overdue": (gettext_lazy("Overdue"), lambda q: q.filter(selectors.overdue_condition())),
    "mine": (gettext_lazy("Mine"), None),  # needs the user: filled in by the view
    "open": (gettext_lazy("All open"), lambda q: q.filter(status__in=Referral.OPEN_STATUSES)),
    "closed": (gettext_lazy("Closed"), lambda q: q.filter(status__in=Referral.CLOSED_STATUSES)),
}
# The queues a worker triages: urgent referrals first, then the longest waiting (the ones
# nearest to, or furthest past, their time limits). "Closed": the latest ended first (a draft
# cancelled before it was sent has no time sent, and was put last). The others: the latest
# sent first. Times not yet set go last on every database (PostgreSQL puts NULL first in a
# descending order, SQLite last).
_TRIAGED = {"new", "overdue"}
_LATEST_SENT = (F("requested_at").desc(nulls_last=True), F("created_at").desc())
_LATEST_ENDED = (
    Coalesce("closed_at", "cancelled_at", "rejected_at").desc(nulls_last=True),
    *_LATEST_SENT,
)
_TRIAGE_ORDER = (
    Case(When(urgency=Referral.Urgency.URGENT, then=0), default=1),
    "requested_at",
    "created_at",
)
REFERRER_QUEUES = {
    "drafts": (gettext_lazy("Drafts"), lambda q: q.filter(status=Status.DRAFT)),
    "open": (gettext_lazy("Sent, open"), lambda q: q.filter(status__in=Referral.OPEN_STATUSES)),
    "overdue": (gettext_lazy("Overdue"), lambda q: q.filter(selectors.overdue_condition())),
    "closed": (gettext_lazy("Closed"), lambda q: q.filter(status__in=Referral.CLOSED_STATUSES)),
}


@capability_required(MAKE_REFERRAL, WORK_REFERRAL)
@require_GET
def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    """Queues: for a provider (new, overdue, mine, all open) or for referrers (drafts, sent...)."""
    provider = bool(provider_organisation_ids(request.user))
    queues = PROVIDER_QUEUES if provider else REFERRER_QUEUES
    default = "new" if provider else "open"
    queue = request.GET.get("queue") or default
    if queue not in queues:  # an old or mistyped link: the usual queue
        queue = default
    base = selectors.referral_list_visible_to(actor=request.user)
    if provider:
        base = base.filter(receiving_organisation_id__in=provider_organisation_ids(request.user))
    else:
        base = base.filter(referring_controller_id__in=referrer_controller_ids(request.user))
    label, select = queues[queue]
    # A referrer's queues are the whole force's (a colleague's draft is finished on the next
    # shift); "only yours" narrows them to the referrals this officer made.
    only_mine = not provider and request.GET.get("by") == "me"
    if only_mine:
        base = base.filter(referred_by=request.user)
    if queue == "mine":
        referrals = base.filter(assigned_worker=request.user, status__in=Referral.OPEN_STATUSES)
    else:
        assert select is not None  # noqa: S101 - every other queue has a filter
        referrals = select(base)
    order: tuple[Any, ...] = _LATEST_SENT
    if queue in _TRIAGED:
        order = _TRIAGE_ORDER
    elif queue == "closed":
        order = _LATEST_ENDED
    if not provider:
        referrals = referrals.select_related("referred_by")
    page = Paginator(referrals.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    # The list shows names: each person on the page has been consulted.
    audit.record_read(
        [
            {
                "actor": request.user,
                "operation": audit.Operation.CONSULTATION,
                "subject": referral.person_id,
                "obj": referral,
                "detail": {"shown_in": f"referral queue {queue}"},
            }
            for referral in page.object_list
        ]
    )
    tabs = [
        {"code": code, "label": text, "current": code == queue}
        for code, (text, _f) in queues.items()
    ]
    limits = selectors.sla_limits_by_day()
    for referral in page.object_list:  # how far each has come; what it is late for, since when
        referral.furthest = selectors.furthest_stage(referral)  # type: ignore[attr-defined]
        referral.missed = selectors.overdue_milestones(  # type: ignore[attr-defined]
            referral, limits=limits
        )
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "tabs": tabs,
            "queue": queue,
            "queue_label": label,
            "triaged": queue in _TRIAGED,
            "provider": provider,
            "only_mine": only_mine,
            "by": "me" if only_mine else "",
            "may_export": provider and request.user.has_perm(EXPORT_CASELOAD),
        },
    )


@capability_required(MAKE_REFERRAL)
@require_http_methods(["GET", "POST"])
def referral_create(request: AuthenticatedRequest) -> HttpResponse:
    """Start a referral for a person (from their record): service, reason, legal basis."""
    person_id = request.GET.get("person") or request.POST.get("person") or ""
    number = whole_number(person_id)
    person = (
        person_get_for_user(user=request.user, person_id=number) if number is not None else None
    )
    if person is None:
        raise not_found(request, Person, person_id)
    # From a service's page ("Refer someone to this service"): that service chosen already,
    # if it takes referrals through Pont (the field's choices); otherwise none is.
    form = ReferralCreateForm(request.POST or None, initial={"service": request.GET.get("service")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(
                actor=request.user,
                person_id=person.pk,
                service_id=data["service"].pk,
                reason=data["reason"],
                source_kind=Referral.Source.VOLUNTARY,
                urgency=data["urgency"],
                legal_basis=data["legal_basis"],
                statutory_basis=data["statutory_basis"],
                consent_confirmed=data["consent_confirmed"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request, _("The referral has been saved as a draft. Check it, then send it.")
            )
            return redirect(referral)
    return render(
        request,
        "referrals/create.html",
        {"form": form, "person": person},
        status=form_status(form),
    )


@capability_required(MAKE_REFERRAL)
@require_http_methods(["GET", "POST"])
@transaction.atomic
def referral_draft_change(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    """Correct a draft before sending it: service, reason, urgency, legal basis."""
    referral = selectors.referral_get_for_actor(
        actor=request.user, referral_id=referral_id, side="referrer"
    )
    if referral is None:
        raise not_found(request, Referral, referral_id)
    if referral.status != Status.DRAFT:
        messages.error(request, services.next_step_message(referral, "draft_changed"))
        return redirect(referral)
    if request.method == "GET":  # the form shows what the referral says: a consultation
        audit.record_shown_in(
            actor=request.user,
            subject=referral.person_id,
            obj=referral,
            shown_in="draft change form",
        )
    initial = {
        "service": referral.service_id,
        "reason": referral.reason,
        "urgency": referral.urgency,
        "legal_basis": referral.legal_basis,
        "statutory_basis": referral.statutory_basis,
    }
    form = ReferralCreateForm(request.POST or None, initial=initial)
    status = form_status(form)
    # The version the page was first opened with, kept through its error pages, so that a
    # colleague's change in between is caught however many times the form comes back.
    opened = referral.version if request.method == "GET" else _version(request)
    now_says = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if opened is None:  # no version sent (or not a number): as if stale
                raise ConflictError(str(CHANGED_SINCE_OPENED))
            changed = services.referral_draft_change(
                actor=request.user,
                referral_id=referral.pk,
                service_id=data["service"].pk,
                reason=data["reason"],
                urgency=data["urgency"],
                legal_basis=data["legal_basis"],
                statutory_basis=data["statutory_basis"],
                consent_confirmed=data["consent_confirmed"],
                expected_version=opened,
            )
        except NotFoundError:
            raise Http404 from None
        except ConflictError:
            # Someone changed it since: what it says now, beside what this user typed; saving
            # again (having seen it) goes on from the version now.
            form.add_error(None, str(DRAFT_CHANGED_SINCE_OPENED))
            status, opened, now_says = 409, referral.version, referral
        except ApplicationError as error:
            if "fields" in error.extra:
                apply_application_error(form, error)
                status = form_status(form)
            else:
                form.add_error(None, error.message)
                status = error.status
        else:
            if changed.version == opened:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The draft has been changed. Check it, then send it."))
            return redirect(referral)
    return render(
        request,
        "referrals/create.html",
        {
            "form": form,
            "person": referral.person,
            "referral": referral,
            "version": opened,
            "now_says": now_says,
        },
        status=status,
    )


DRAFT_CHANGED_SINCE_OPENED = gettext_lazy(
    "Someone changed this draft after you opened this page, so nothing was saved. What it says "
    "now is shown below; your answers are still in the form. Check them against it, then save "
    "again."
)


# What a provider may do from the referral page (the rest are the referrer's, or the engine's).
_PROVIDER_ACTIONS = frozenset(
    {
        "accepted",
        "rejected",
        "assigned",
        "contact_attempt_logged",
        "appointment_booked",
        "attendance_recorded",
        "attendance_corrected",
        "treatment_started",
        "closed",
    }
)


def _detail_context(
    request: AuthenticatedRequest, referral: Referral, **forms: Any
) -> dict[str, Any]:
    user = request.user
    is_provider = referral.receiving_organisation_id in provider_organisation_ids(user, write=True)
    is_referrer = referral.referring_controller_id in referrer_controller_ids(user)
    referrers_draft = referral.status == Status.DRAFT and is_referrer
    allowed = services.allowed_actions(referral)
    pending = services.pending_appointments(referral)
    time_limits = selectors.time_limits(referral)
    # Attendance is asked for once an appointment has started (the service refuses it before).
    started = pending.started if is_provider else []
    context: dict[str, Any] = {
        "referral": referral,
        "person": referral.person,
        "routes": contact_routes_of(person=referral.person),
        "events": selectors.referral_timeline(referral),
        "attempts": referral.contact_attempts.all(),
        "appointments": referral.appointments.all(),
        "history": selectors.provider_history_with(referral=referral) if is_provider else [],
        "time_limits": time_limits,
        "overdue": selectors.past_due(referral, time_limits),
        "is_provider": is_provider,
        "is_referrer": is_referrer,
        "can": {action: action in allowed for action in services.TRANSITIONS},
        # Whether "What happens next" has anything under it for this provider.
        "provider_acts": is_provider and bool(allowed & _PROVIDER_ACTIONS),
        "completeness": check_completeness(referral.person, source_kind=referral.source_kind)
        if referral.status == Status.DRAFT
        else None,
        # What the referrer is warned of before sending a draft.
        "fit": selectors.service_fit(referral) if referrers_draft else [],
        "open_elsewhere": selectors.open_referrals_to_same_service(actor=user, referral=referral)
        if referrers_draft
        else [],
        "source_links": sources.links_for(referral, user),
        "accept_form": AcceptForm(),
        "assign_form": AssignForm(
            workers=_assignable(referral), initial={"worker": referral.assigned_worker_id}
        )
        if is_provider and "assigned" in allowed
        else None,
        "reject_form": ReasonForm(prefix="reject"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "reason_form": ChangeReasonForm(prefix="change", initial={"reason": referral.reason})
        if is_referrer
        and "reason_changed" in allowed
        and referral.source_kind == Referral.Source.VOLUNTARY
        else None,
        "contact_form": ContactAttemptForm(initial={"day": timezone.localdate()}),
        "appointment_form": AppointmentForm(),
        "attendance_form": AttendanceForm(),
        "treatment_form": TreatmentStartForm(initial={"day": timezone.localdate()}),
        "close_form": CloseForm(),
        # What ending the referral would do to its appointments (services.referral_close).
        "appointments_to_cancel": pending.to_come
        if allowed & {"closed", "rejected", "cancelled"}
        else [],
        "appointments_unrecorded": started if "closed" in allowed else [],
        "cancel_appointment_form": CancelAppointmentForm(appointments=pending.cancellable(referral))
        if is_provider and "appointment_cancelled" in allowed
        else None,
        "correct_attendance_form": CorrectAttendanceForm(appointments=_answered(referral))
        if is_provider and "attendance_corrected" in allowed
        else None,
    }
    context.update(forms)
    # One attendance form for each appointment waiting for its answer, each with its own ids;
    # the one just sent with errors is shown again in its place.
    sent = forms.get("attendance_form")
    context["attendance_forms"] = [
        (
            appointment,
            sent
            if sent is not None and sent.data.get("appointment") == str(appointment.pk)
            else AttendanceForm(auto_id=_attendance_ids(appointment.pk)),
        )
        for appointment in started
    ]
    return context


def _answered(referral: Referral) -> list[Appointment]:
    """The referral's appointments with an answer to "did they come?" (those a provider may
    correct: services.attendance_correct)."""
    return [a for a in referral.appointments.all() if a.attendance in services.ANSWERS]


def _attendance_ids(appointment_id: Any) -> str:
    """The ids of the attendance form of one appointment (only digits come from a request)."""
    value = str(appointment_id)
    return f"attendance_{value if value.isdigit() else 'unknown'}_%s"


@capability_required(MAKE_REFERRAL, WORK_REFERRAL)
@require_GET
def referral_detail(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    with transaction.atomic():
        referral = selectors.referral_get_for_actor(actor=request.user, referral_id=referral_id)
        if referral is None:
            raise not_found(request, Referral, referral_id)
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=referral.person_id,
            obj=referral,
        )
    return render(request, "referrals/detail.html", _detail_context(request, referral))


CHANGED_SINCE_OPENED = gettext_lazy(
    "This referral changed after you opened the page (in another tab, or by someone else), "
    "so nothing was saved. It is shown below as it is now: check it, and send what you "
    "entered again if it still applies."
)


def _act(
    request: AuthenticatedRequest,
    referral_id: Any,
    *,
    form_name: str,
    form: Any,
    run: Callable[[Any], Any],
    done: str | Callable[[Any], str],
    fields: dict[str, str] | None = None,
    action: str = "",
) -> HttpResponse:
    """Validate the action's form, run its service, and come back to the referral page.

    `fields` names the form's field for each of the service's own (a contact attempt's
    `attempted_at` is the form's date), so that its errors are shown at that field."""
    status, stale = 400, False
    if form.is_valid():
        try:
            result = run(form)
        except NotFoundError:
            raise Http404 from None
        except ConflictError:
            stale, status = True, 409
        except ApplicationError as error:
            if error.status == 409 and "missing" not in error.extra and "fields" not in error.extra:
                form.add_error(None, error.message)
                status = 409
            elif "missing" in error.extra:
                form.add_error(None, error.message)
                for missing in error.extra["missing"]:
                    form.add_error(None, missing)
            else:
                named = error.extra.get("fields")
                if fields and isinstance(named, dict):
                    error.extra["fields"] = {fields.get(k, k): v for k, v in named.items()}
                apply_application_error(form, error)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect("referrals:detail", referral_id=referral_id)
    referral = selectors.referral_get_for_actor(actor=request.user, referral_id=referral_id)
    if referral is None:
        raise not_found(request, Referral, referral_id)
    if stale:
        # The page is shown again as the referral now is, with what the user entered kept in
        # its form, to send again if it still applies; if its status no longer allows the
        # action at all, the refusal says so and what to do instead.
        if action and action not in services.allowed_actions(referral):
            form.add_error(None, services.next_step_message(referral, action))
        else:
            form.add_error(None, str(CHANGED_SINCE_OPENED))
    audit.record_shown_in(
        actor=request.user, subject=referral.person_id, obj=referral, shown_in=form_name
    )
    return render(
        request,
        "referrals/detail.html",
        _detail_context(request, referral, has_errors=True, **{form_name: form}),
        status=status,
    )


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return whole_number(value)


class _NoFields:
    """The form of an action that needs no input (send, assign to me)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def is_valid(self) -> bool:
        return True

    def add_error(self, field: str | None, message: str) -> None:
        self.errors.append(message)

    @property
    def non_field_errors(self) -> list[str]:
        return self.errors


@capability_required(MAKE_REFERRAL)
@require_POST
def referral_send(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="send_form",
        action="sent",
        form=_NoFields(),
        run=lambda f: services.referral_send(
            actor=request.user, referral_id=referral_id, expected_version=_version(request)
        ),
        done=_("The referral has been sent. The service can see it now."),
    )


@capability_required(MAKE_REFERRAL)
@require_POST
def referral_cancel(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="cancel_form",
        action="cancelled",
        form=ReasonForm(request.POST, prefix="cancel"),
        run=lambda f: services.referral_cancel(
            actor=request.user,
            referral_id=referral_id,
            reason=f.cleaned_data["reason"],
            expected_version=_version(request),
        ),
        done=_("The referral has been cancelled."),
    )


@capability_required(MAKE_REFERRAL)
@require_POST
def referral_reason(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    """The referrer changes what a referral they made by hand asks, once it has been sent."""
    return _act(
        request,
        referral_id,
        form_name="reason_form",
        action="reason_changed",
        form=ChangeReasonForm(request.POST, prefix="change"),
        run=lambda f: services.referral_reason_change(
            actor=request.user,
            referral_id=referral_id,
            reason=f.cleaned_data["reason"],
            expected_version=_version(request),
        ),
        done=_("The referral has been changed. The service is told."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def referral_accept(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="accept_form",
        action="accepted",
        form=AcceptForm(request.POST),
        run=lambda f: services.referral_accept(
            actor=request.user,
            referral_id=referral_id,
            expected_version=_version(request),
            already_known=f.value(),
        ),
        done=_accepted_message,
    )


def _accepted_message(referral: Referral) -> str:
    """What to do next, by the first contact attempt's time limit (reference data), which may
    have passed already when an overdue referral is accepted."""
    due = selectors.due_dates(referral).get("first_contact_attempt")
    if due is None:
        return _("You have accepted the referral.")
    day = formats.date_format(due, "j F Y")
    if due < timezone.localdate():
        return _(
            "You have accepted the referral. The first attempt to contact the person was due "
            "by %(day)s: try to contact them today."
        ) % {"day": day}
    return _(
        "You have accepted the referral. Try to contact the person by %(day)s (the time limit "
        "for the first contact attempt)."
    ) % {"day": day}


@capability_required(WORK_REFERRAL)
@require_POST
def referral_reject(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="reject_form",
        action="rejected",
        form=ReasonForm(request.POST, prefix="reject"),
        run=lambda f: services.referral_reject(
            actor=request.user,
            referral_id=referral_id,
            reason=f.cleaned_data["reason"],
            expected_version=_version(request),
        ),
        done=_("You have rejected the referral. The referrer has been told."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def referral_assign_to_me(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="assign_to_me_form",
        action="assigned",
        form=_NoFields(),
        run=lambda f: services.referral_assign(
            actor=request.user,
            referral_id=referral_id,
            worker=request.user,
            expected_version=_version(request),
        ),
        done=_("The referral is now assigned to you."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def referral_assign(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    """Give the referral to a colleague, or to nobody."""
    referral = _worked_by(request, referral_id)
    workers = {w.pk: w for w in _assignable(referral)}
    return _act(
        request,
        referral_id,
        form_name="assign_form",
        action="assigned",
        form=AssignForm(request.POST, workers=workers.values()),
        run=lambda f: services.referral_assign(
            actor=request.user,
            referral_id=referral_id,
            worker=workers.get(f.cleaned_data["worker"]),
            expected_version=_version(request),
        ),
        done=_("The referral's assignment has been changed."),
    )


def _worked_by(request: AuthenticatedRequest, referral_id: Any) -> Referral:
    """The referral, if the user works it for its provider (a form's choices come from it);
    404 otherwise, as for one that does not exist."""
    referral = selectors.referral_get_for_actor(
        actor=request.user, referral_id=referral_id, side="provider"
    )
    if referral is None:
        raise not_found(request, Referral, referral_id)
    return referral


def _assignable(referral: Referral) -> list[Any]:
    """Who may be given the referral: the people who work referrals at its provider."""
    return list(
        users_able_to(capability=WORK_REFERRAL, organisation_id=referral.receiving_organisation_id)
    )


@capability_required(WORK_REFERRAL)
@require_POST
def contact_attempt_log(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="contact_form",
        action="contact_attempt_logged",
        form=ContactAttemptForm(request.POST),
        run=lambda f: services.contact_attempt_log(
            actor=request.user,
            referral_id=referral_id,
            method=f.cleaned_data["method"],
            attempted_at=f.attempted_at(),
            result=f.cleaned_data["result"],
            note=f.cleaned_data["note"],
        ),
        done=_("The contact attempt has been recorded."),
        fields={"attempted_at": "day"},
    )


@capability_required(WORK_REFERRAL)
@require_POST
def appointment_book(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="appointment_form",
        action="appointment_booked",
        form=AppointmentForm(request.POST),
        run=lambda f: services.appointment_book(
            actor=request.user,
            referral_id=referral_id,
            starts_at=f.starts_at(),
            place=f.cleaned_data["place"],
            kind=f.cleaned_data["kind"],
        ),
        done=_("The appointment has been booked."),
        fields={"starts_at": "day"},
    )


@capability_required(WORK_REFERRAL)
@require_POST
def appointment_cancel(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    referral = _worked_by(request, referral_id)
    return _act(
        request,
        referral_id,
        form_name="cancel_appointment_form",
        action="appointment_cancelled",
        form=CancelAppointmentForm(
            request.POST, appointments=services.pending_appointments(referral).cancellable(referral)
        ),
        run=lambda f: services.appointment_cancel(
            actor=request.user,
            referral_id=referral_id,
            appointment_id=f.cleaned_data["appointment"],
        ),
        done=_("The appointment has been cancelled."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def attendance_record(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="attendance_form",
        action="attendance_recorded",
        form=AttendanceForm(
            request.POST, auto_id=_attendance_ids(request.POST.get("appointment", ""))
        ),
        run=lambda f: services.attendance_record(
            actor=request.user,
            referral_id=referral_id,
            appointment_id=f.cleaned_data["appointment"],
            attendance=f.cleaned_data["attendance"],
        ),
        done=_("Attendance has been recorded."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def attendance_correct(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    referral = _worked_by(request, referral_id)
    return _act(
        request,
        referral_id,
        form_name="correct_attendance_form",
        action="attendance_corrected",
        form=CorrectAttendanceForm(request.POST, appointments=_answered(referral)),
        run=lambda f: services.attendance_correct(
            actor=request.user,
            referral_id=referral_id,
            appointment_id=f.cleaned_data["appointment"],
            attendance=f.cleaned_data["attendance"],
            reason=f.cleaned_data["reason"],
        ),
        done=_("The attendance has been corrected."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def treatment_start(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="treatment_form",
        action="treatment_started",
        form=TreatmentStartForm(request.POST),
        run=lambda f: services.treatment_start(
            actor=request.user,
            referral_id=referral_id,
            started_at=timezone.make_aware(datetime.combine(f.cleaned_data["day"], time.min)),
        ),
        done=_("The start of treatment has been recorded."),
        fields={"started_at": "day"},
    )


@capability_required(WORK_REFERRAL)
@require_POST
def referral_close(request: AuthenticatedRequest, referral_id: Any) -> HttpResponse:
    return _act(
        request,
        referral_id,
        form_name="close_form",
        action="closed",
        form=CloseForm(request.POST),
        run=lambda f: services.referral_close(
            actor=request.user,
            referral_id=referral_id,
            closure_reason=f.cleaned_data["closure_reason"],
            note=f.cleaned_data["note"],
            expected_version=_version(request),
        ),
        done=_("The referral has been closed."),
    )


CASELOAD_COLUMNS = [
    "reference",
    "status",
    "sent",
    "service",
    "person_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "assigned_worker",
    "accepted",
    "first_contact_attempt",
    "first_reached",
    "first_attended",
    "treatment_started",
    "rejected",
    "cancelled",
    "closed",
    "closure_reason",
    "urgency",
    "overdue",
]


def _csv_safe(value: Any) -> str:
    """A cell: a moment in UK local time with its offset (2025-09-09T10:10:37+01:00), as the
    pages show it; a text that a spreadsheet would run as a formula, quoted."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).isoformat(timespec="seconds")
    return spreadsheet_text(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


@capability_required(EXPORT_CASELOAD)
@require_POST
def caseload_export(request: AuthenticatedRequest) -> StreamingHttpResponse:
    """The provider's caseload as CSV; each person in it is recorded as disclosed to the user.
    A POST, from the list's button: a disclosure is recorded when someone asks for the file,
    never because a browser or a link checker fetched an address twice."""
    organisations = provider_organisation_ids(request.user)
    referrals = list(
        selectors.referral_list_visible_to(actor=request.user)
        .filter(receiving_organisation_id__in=organisations)
        .order_by("requested_at")
    )
    audit.record_read(
        [
            {
                "actor": request.user,
                "operation": audit.Operation.DISCLOSURE,
                "subject": referral.person_id,
                "obj": referral,
                "recipient": request.user.get_username(),
                "detail": {"export": "caseload csv"},
            }
            for referral in referrals
        ]
    )

    limits = selectors.sla_limits_by_day()

    def rows() -> Iterator[list[str]]:
        # A byte order mark first: Excel then reads the file as UTF-8 (Welsh names intact).
        yield ["\ufeff" + CASELOAD_COLUMNS[0], *CASELOAD_COLUMNS[1:]]
        for r in referrals:
            missed = selectors.overdue_milestones(r, limits=limits)
            yield [
                _csv_safe(v)
                for v in (
                    r.reference,
                    r.status,
                    r.requested_at,
                    r.service.name,
                    r.person.reference,
                    r.person.given_name,
                    r.person.family_name,
                    r.person.date_of_birth,
                    r.assigned_worker or "",
                    r.accepted_at,
                    r.first_contact_attempt_at,
                    r.first_contacted_at,
                    r.first_attended_at,
                    r.treatment_started_at,
                    r.rejected_at,
                    r.cancelled_at,
                    r.closed_at,
                    r.closure_reason.code if r.closure_reason else "",
                    r.urgency,
                    " ".join(m.code for m in missed),
                )
            ]

    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="pont-caseload-{timezone.localdate():%Y%m%d}.csv"'
    )
    return response


def _funnel(
    request: AuthenticatedRequest,
) -> tuple[FunnelFilterForm, funnel_module.Funnel | None]:
    """The filter form and, when it is valid, the figures it selects (None when it is not: no
    figures are better than figures that look filtered and are not)."""
    scope = funnel_module.funnel_scope(user=request.user)
    providers, counties = funnel_module.filter_choices(scope)
    suppressed = funnel_module.aggregate_only(request.user)
    form = FunnelFilterForm(
        request.GET or None, providers=providers, counties=counties, one_at_a_time=suppressed
    )
    filters = funnel_module.FunnelFilters()
    if form.is_bound:
        if not form.is_valid():
            return form, None
        data = form.cleaned_data
        filters = funnel_module.FunnelFilters(
            source=data["source"],
            provider_id=int(data["provider"]) if data["provider"] else None,
            county=data["county"],
            month=data["month"] or "",
        )
    result = funnel_module.compute_funnel(scope, filters=filters, suppressed=suppressed)
    return form, result


@capability_required(VIEW_REFERRAL_FUNNEL)
@require_GET
def funnel_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The funnel page: a chart and tables of the figures, or (filters not valid) the error."""
    form, result = _funnel(request)
    return _funnel_page(request, form, result)


def _error_summary_once(form: FunnelFilterForm) -> list[dict[str, str]]:
    """The filter form's error summary in the fields' order, each message said once, linked to
    the first field that has it (two filters at once is one problem, though both fields show
    it); a field's own message stays at the field."""
    items = [{"href": "", "text": str(message)} for message in form.non_field_errors()]
    said = {item["text"] for item in items}
    for name in form.fields:
        for message in form.errors.get(name, []):
            if str(message) not in said:
                said.add(str(message))
                items.append({"href": f"#{field_anchor(form[name])}", "text": str(message)})
    return items


def _funnel_page(
    request: AuthenticatedRequest,
    form: FunnelFilterForm,
    result: funnel_module.Funnel | None,
) -> HttpResponse:
    chart = ""
    if result is not None and result.total:
        chart = horizontal_bar_chart(
            [
                Bar(
                    label=str(s["label"]),
                    # The bar is drawn from the figure shown: a suppressed one is 0.
                    value=0.0 if s["shown"] == SUPPRESSED else float(s["shown"]),
                    shown=s["shown"],
                )
                for s in result.stages
            ],
            title=_("Referral funnel"),
            description=_("How many referrals reached each stage, from sent to started treatment."),
            chart_id="funnel-chart",
            # At its own size (its text 16px), scrolling sideways on a narrow screen: scaled to
            # fit 320px its text would be 7px. The table below it gives the same figures.
            scale_to_fit=False,
        )
    query = request.GET.urlencode()
    return render(
        request,
        "referrals/funnel.html",
        {
            "form": form,
            "error_summary": _error_summary_once(form) if form.is_bound else [],
            "funnel": result,
            "chart": chart,
            "query": query,
        },
        # A filter that is not valid (a month that does not exist, a provider outside the
        # user's scope) is named in the error summary, with no figures: 400.
        status=200 if result is not None else 400,
    )


@capability_required(VIEW_REFERRAL_FUNNEL)
@require_GET
def funnel_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The page's figures as (measure, value, label) rows, after rows saying when they were
    produced, whether small numbers are suppressed and what they are filtered by. With filters
    that are not valid, the page itself (400): its error summary names each field in the
    reader's language, and its form can be corrected where the link was followed."""
    form, result = _funnel(request)
    if result is None:
        return _funnel_page(request, form, result)
    produced = timezone.now()
    rows = [
        *funnel_module.csv_context(form, suppressed=result.suppressed, produced=produced),
        *funnel_module.csv_rows(result),
    ]
    # Names (of providers, counties, closure reasons) come from people: none runs as a formula.
    return csv_attachment(
        f"pont-referral-funnel-{timezone.localdate(produced):%Y%m%d}.csv",
        ["measure", "value", "label"],
        ([_csv_safe(cell) for cell in row] for row in rows),
    )


@capability_required(MANAGE_WEBHOOKS)
@require_GET
def webhook_list(request: AuthenticatedRequest) -> HttpResponse:
    endpoints = selectors.webhook_endpoints_for(actor=request.user).select_related(
        "organisation", "created_by"
    )
    return render(request, "referrals/webhook_list.html", {"endpoints": endpoints})


@capability_required(MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def webhook_create(request: AuthenticatedRequest) -> HttpResponse:
    form = WebhookCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_register(
                actor=request.user, url=form.cleaned_data["url"]
            )
        except NotFoundError:  # not a member of any provider
            raise Http404 from None
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            # POST-redirect-GET: reloading the page that shows the secret adds nothing.
            keep_to_show_once(request, "webhook_secret", endpoint.pk, secret)
            return redirect("referrals:webhook_created", endpoint_id=endpoint.pk)
    return render(
        request, "referrals/webhook_create.html", {"form": form}, status=form_status(form)
    )


def _endpoint_or_404(request: AuthenticatedRequest, endpoint_id: int) -> WebhookEndpoint:
    endpoint = selectors.webhook_endpoints_for(actor=request.user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise not_found(request, WebhookEndpoint, endpoint_id)
    return endpoint


@capability_required(MANAGE_WEBHOOKS)
@require_GET
def webhook_created(request: AuthenticatedRequest, endpoint_id: int) -> HttpResponse:
    """The new endpoint's secret, shown once: taken out of the session as it is shown, so a
    reload (or another manager) is told it was shown and how to get a new one."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    secret = take_to_show(request, "webhook_secret", endpoint.pk)
    return render(
        request, "referrals/webhook_created.html", {"endpoint": endpoint, "secret": secret}
    )


@capability_required(MANAGE_WEBHOOKS)
@require_http_methods(["GET", "POST"])
def webhook_disable(request: AuthenticatedRequest, endpoint_id: int) -> HttpResponse:
    """Disable an endpoint: a page asks to confirm (GET), its button disables (POST)."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method == "GET":
        if not endpoint.is_active:
            messages.info(
                request, _("Pont already sends no events to %(url)s.") % {"url": endpoint.url}
            )
            return redirect("referrals:webhook_list")
        return render(request, "referrals/webhook_disable.html", {"endpoint": endpoint})
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_at=timezone.now()
        )
        audit.record(
            actor=request.user,
            operation=audit.Operation.ALTERATION,
            obj=endpoint,
            detail={"disabled": True},
        )
    messages.success(
        request, _("Pont will no longer send events to %(url)s.") % {"url": endpoint.url}
    )
    return redirect("referrals:webhook_list")


# What went wrong, by the kind of error the outbox stored ("<httpx class>: <detail>"): a short
# sentence in the reader's language, with the stored text after it as technical detail.
_TIMED_OUT = ("ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout", "TimeoutException")
_TLS_MARKS = ("[SSL", "SSL:", "certificate", "TLS")


def delivery_attempt_said(attempt: DeliveryAttempt) -> tuple[str, str]:
    """What one delivery attempt came to, in plain words, and its technical detail ("" if none)."""
    error = attempt.error
    if attempt.status_code is not None:
        if not error:
            return _("Delivered: the endpoint answered with HTTP %(code)s.") % {
                "code": attempt.status_code
            }, ""
        return _("Not delivered: the endpoint answered with HTTP %(code)s.") % {
            "code": attempt.status_code
        }, ""
    if error in (outbox.ENDPOINT_DISABLED, outbox.NOT_PUBLIC):  # stored untranslated
        return _(error), ""
    kind = error.split(":", 1)[0]
    if kind in _TIMED_OUT:
        said = _("Not delivered: the endpoint did not answer in time.")
    elif any(mark in error for mark in _TLS_MARKS):
        said = _(
            "Not delivered: the secure connection (TLS) failed. Check the endpoint's "
            "certificate, and that its address is https:// on a port that speaks TLS."
        )
    elif kind == "ConnectError":
        said = _("Not delivered: Pont could not connect to the endpoint.")
    else:
        said = _("Not delivered: the connection failed while the event was being sent.")
    return said, error


@capability_required(MANAGE_WEBHOOKS)
@require_GET
def webhook_deliveries(request: AuthenticatedRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    messages_page = Paginator(
        endpoint.messages.order_by("-created_at").prefetch_related("delivery_attempts"), 50
    )
    page = messages_page.get_page(request.GET.get("page"))
    for message in page.object_list:
        for attempt in message.delivery_attempts.all():
            attempt.said, attempt.detail = delivery_attempt_said(attempt)  # type: ignore[attr-defined]
    return render(
        request, "referrals/webhook_deliveries.html", {"endpoint": endpoint, "page": page}
    )


# The emails Pont queued (mail_outbox): what a provider's manager, or the administrator, reads
# to see whether the service's inbox hears of new referrals. Addresses of inboxes and staff,
# and referrals' references: no person's data, so nothing to record.
EMAIL_WARNING_DAYS = timedelta(days=7)
EMAIL_TABS: dict[str, tuple[Any, str | None]] = {
    "all": (gettext_lazy("All"), None),
    "gave_up": (gettext_lazy("Given up"), QueuedEmail.Status.GAVE_UP),
    "pending": (gettext_lazy("Waiting"), QueuedEmail.Status.PENDING),
    "sent": (gettext_lazy("Sent"), QueuedEmail.Status.SENT),
}


@capability_required(VIEW_EMAIL_LOG, VIEW_ALL_EMAIL_LOG)
@require_GET
def email_log(request: AuthenticatedRequest) -> HttpResponse:
    tab = request.GET.get("status") or "all"
    if tab not in EMAIL_TABS:  # an old or mistyped link: every email
        tab = "all"
    label, status = EMAIL_TABS[tab]
    emails = selectors.emails_visible_to(user=request.user)
    # Warned of for a week: long enough to be seen, not for ever once the address is put right.
    given_up = emails.filter(
        status=QueuedEmail.Status.GAVE_UP, created_at__gte=timezone.now() - EMAIL_WARNING_DAYS
    ).count()
    if status is not None:
        emails = emails.filter(status=status)
    page = Paginator(emails.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "referrals/email_log.html",
        {
            "page": page,
            "tab": tab,
            "tab_label": label,
            "tabs": [
                {"code": code, "label": text, "current": code == tab}
                for code, (text, _status) in EMAIL_TABS.items()
            ],
            "given_up": given_up,
            "every_organisation": request.user.has_perm(VIEW_ALL_EMAIL_LOG),
            "may_change_inboxes": request.user.has_perm(MANAGE_SERVICE_REFERRALS),
        },
    )
