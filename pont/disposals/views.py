"""Out-of-court disposal pages: the decision with Pont's recommendation, the disposal with
its conditions and every step (authorise, issue, outcomes, breach), the notice, and tasks."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import AUTHORISE_DISPOSAL, DECIDE_DISPOSAL
from pont.accounts.selectors import areas_for
from pont.audit import services as audit
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, raise_refusal
from pont.core.forms import apply_application_error
from pont.core.numbers import whole_number
from pont.core.refusals import not_found
from pont.directory.selectors import service_search
from pont.people.models import Person
from pont.people.selectors import person_get_for_user
from pont.people.services import people_shown
from pont.referrals.models import Referral

from . import selectors, services
from .forms import (
    AuthoriseForm,
    BreachForm,
    ConditionForm,
    ConditionOutcomeForm,
    DecisionForm,
    IssueForm,
    ReferAgainForm,
    TaskDoneForm,
    VersionForm,
)
from .models import Disposal, DisposalCondition, DisposalTask
from .recommendation import CHARGE, NOT_ELIGIBLE, Case, OffenceFacts, recommend

PAGE_SIZE = 25
READERS = (DECIDE_DISPOSAL, AUTHORISE_DISPOSAL)


def _disposal_or_404(request: AuthenticatedRequest, disposal_id: Any) -> Disposal:
    disposal = selectors.disposal_get_for_user(user=request.user, disposal_id=disposal_id)
    if disposal is None:
        raise not_found(request, Disposal, disposal_id)
    return disposal


def _back(disposal_id: Any) -> HttpResponse:
    return redirect("disposals:detail", disposal_id=disposal_id)


def _attempt(form: Any, call: Callable[[], Any]) -> Any:
    """Run a service; a refusal goes on the form (403 and 404 are answered as such)."""
    try:
        return call()
    except ApplicationError as error:
        raise_refusal(error)
        apply_application_error(form, error)
        return None


# The list and the tasks ---------------------------------------------------------------


@capability_required(*READERS)
@require_GET
def disposal_list(request: AuthenticatedRequest) -> HttpResponse:
    """Awaiting my authorisation, then the force's disposals, newest first."""
    user = request.user
    waiting = list(selectors.awaiting_authorisation_for(user=user)[:50])
    scope = request.GET.get("show", "mine")
    disposals = selectors.disposals_visible_to(user=user)
    if scope != "all":
        disposals = disposals.filter(officer=user)
    page = Paginator(disposals.order_by("-decided_on", "-created_at"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The list shows names: each person on the page has been consulted.
    audit.record_read(
        [
            {
                "actor": user,
                "operation": audit.Operation.CONSULTATION,
                "subject": d.person_id,
                "obj": d,
                "detail": {"shown_in": "disposal list"},
            }
            for d in [*waiting, *page.object_list]
        ]
    )
    return render(
        request,
        "disposals/list.html",
        {
            "page": page,
            "waiting": waiting,
            "scope": scope,
            "tasks": selectors.tasks_for(user=user).count(),
            "may_decide": user.has_perm(DECIDE_DISPOSAL),
        },
    )


def _task_page(
    request: AuthenticatedRequest, failed: tuple[int, Any] | None = None
) -> HttpResponse:
    tasks = list(selectors.tasks_for(user=request.user))
    people_shown(actor=request.user, people=[t.disposal.person for t in tasks], context="tasks")
    rows = [
        (
            task,
            failed[1]
            if failed and failed[0] == task.pk
            else TaskDoneForm(auto_id=f"task-{task.pk}-%s"),
        )
        for task in tasks
    ]
    return render(request, "disposals/tasks.html", {"rows": rows}, status=400 if failed else 200)


@capability_required(*READERS)
@require_GET
def task_list(request: AuthenticatedRequest) -> HttpResponse:
    return _task_page(request)


@capability_required(*READERS)
@require_POST
def task_done(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    if selectors.task_get_for_user(user=request.user, task_id=task_id) is None:
        raise not_found(request, DisposalTask, task_id)
    form = TaskDoneForm(request.POST, auto_id=f"task-{task_id}-%s")
    if form.is_valid() and _attempt(
        form,
        lambda: services.task_complete(
            actor=request.user, task_id=task_id, note=form.cleaned_data["note"]
        ),
    ):
        messages.success(request, _("The task is done."))
        return redirect("disposals:tasks")
    return _task_page(request, failed=(task_id, form))


# The decision -------------------------------------------------------------------------


def _decision_form(request: AuthenticatedRequest, data: Any = None) -> DecisionForm:
    today = timezone.localdate()
    factors = list(selectors.factors_on(today))
    return DecisionForm(
        data,
        initial={"offence_date": today},
        areas=[(a.pk, a.display_name) for a in areas_for(user=request.user)],
        offences=[(o.code, o.label) for o in selectors.offences_on(today)],
        aggravating=[(f.code, f.label) for f in factors if f.direction == 1],
        mitigating=[(f.code, f.label) for f in factors if f.direction == -1],
        schemes=[(s.code, s.label) for s in selectors.schemes_on(today)],
    )


def _advice(form: DecisionForm, age: int) -> Any:
    """Pont's recommendation for the facts on the form (nothing is saved)."""
    today = timezone.localdate()
    data = form.cleaned_data
    offences = {o.code: o for o in selectors.offences_on(today)}
    advice = recommend(
        Case(
            offences=[
                OffenceFacts(c, offences[c].label, offences[c].gravity, offences[c].exclusion)
                for c in data["offences"]
                if c in offences
            ],
            age=age,
            admission=bool(data.get("admission")),
            evidential_test_met=bool(data.get("evidential_test_met")),
            victim_opposes=data.get("victim_views") == Disposal.VictimViews.OPPOSES,
            aggravating=len(data["aggravating"]),
            mitigating=len(data["mitigating"]),
        ),
        selectors.scheme_facts(today),
    )
    return advice


def _recommended_label(code: str) -> str:
    if code == CHARGE:
        return _("Charge: not an out-of-court disposal")
    if code == NOT_ELIGIBLE:
        return _("No out-of-court disposal")
    scheme = selectors.schemes_on(timezone.localdate()).filter(code=code).first()
    return scheme.label if scheme else code


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def disposal_create(request: AuthenticatedRequest) -> HttpResponse:
    """The facts, Pont's recommendation with its reasons, then the officer's decision."""
    raw = request.GET.get("person") or request.POST.get("person") or ""
    number = whole_number(raw)
    person = None if number is None else person_get_for_user(user=request.user, person_id=number)
    if person is None:
        if raw:
            raise not_found(request, Person, raw)
        return render(
            request, "disposals/choose_person.html", status=400 if request.method == "POST" else 200
        )
    form = _decision_form(request, request.POST if request.method == "POST" else None)
    advice = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            advice = _advice(form, person.age_on(timezone.localdate()))
            if request.POST.get("action") == "recommend":
                status = 200
                if not form.cleaned_data["scheme"] and advice.recommended not in (
                    CHARGE,
                    NOT_ELIGIBLE,
                ):
                    data = request.POST.copy()
                    data["scheme"] = advice.recommended
                    form.data = data
            else:
                disposal = _attempt(
                    form,
                    lambda: services.disposal_record(
                        actor=request.user, person_id=person.pk, **form.service_arguments()
                    ),
                )
                if disposal is not None:
                    messages.success(
                        request, _("The decision is recorded. Add its conditions, then send it.")
                    )
                    return _back(disposal.pk)
    return render(
        request,
        "disposals/create.html",
        {
            "form": form,
            "person": person,
            "advice": advice,
            "recommended_label": _recommended_label(advice.recommended) if advice else "",
        },
        status=status,
    )


# The disposal -------------------------------------------------------------------------


def _may_act(request: AuthenticatedRequest, disposal: Disposal) -> bool:
    user = request.user
    return user.has_perm(DECIDE_DISPOSAL) and (
        disposal.officer_id == user.pk or user.has_perm(AUTHORISE_DISPOSAL)
    )


def _actable_or_403(request: AuthenticatedRequest, disposal_id: Any) -> Disposal:
    """The disposal (404 if not the user's to see), if they are its officer or a supervisor."""
    disposal = _disposal_or_404(request, disposal_id)
    if not _may_act(request, disposal):
        raise PermissionDenied
    return disposal


@capability_required(*READERS)
@require_GET
def disposal_detail(request: AuthenticatedRequest, disposal_id: Any) -> HttpResponse:
    disposal = _disposal_or_404(request, disposal_id)
    with transaction.atomic():
        services.disposal_viewed(actor=request.user, disposal=disposal)
    may_act = _may_act(request, disposal)
    may_authorise = (
        request.user.has_perm(AUTHORISE_DISPOSAL)
        and disposal.status == Disposal.Status.AWAITING_AUTHORISATION
        and disposal.officer_id != request.user.pk
    )
    return render(
        request,
        "disposals/detail.html",
        {
            "disposal": disposal,
            "conditions": list(disposal.conditions.all()),
            "offences": list(disposal.offences.all()),
            "aggravating": selectors.factor_labels(disposal.aggravating, disposal.decided_on),
            "mitigating": selectors.factor_labels(disposal.mitigating, disposal.decided_on),
            "recommended_label": _recommended_label(disposal.recommended),
            "outcome": selectors.outcome_label(disposal.outcome_code, disposal.decided_on),
            "events": list(disposal.events.all()),
            "earlier": list(selectors.earlier_disposals(disposal=disposal, user=request.user)[:10]),
            "may_act": may_act,
            "may_authorise": may_authorise,
            "authorise_form": AuthoriseForm(initial={"version": disposal.version})
            if may_authorise
            else None,
            "version_form": VersionForm(initial={"version": disposal.version}),
            "notices": list(disposal.notices.defer("pdf")),
            "Status": Disposal.Status,
            "is_open": disposal.status in Disposal.OPEN_STATUSES,
            # A condition still to do can go to another service unless its service has
            # closed its referral (done, or not: that is the breach's to decide).
            "referral_movable": (
                Referral.Status.REJECTED,
                Referral.Status.CANCELLED,
                *Referral.OPEN_STATUSES,
            ),
        },
    )


def _service_choices(request: AuthenticatedRequest, need: str = "") -> list[tuple[Any, Any]]:
    """The services that take referrals through Pont; with `need`, those that offer it (the
    condition's, when it is known: the service checks it again)."""
    found = service_search(needs=[need] if need else [])
    return [(str(s.pk), s.display_name) for s in found if s.can_receive_referrals]


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def condition_new(request: AuthenticatedRequest, disposal_id: Any) -> HttpResponse:
    disposal = _actable_or_403(request, disposal_id)
    kinds = list(selectors.condition_types_on(disposal.decided_on))
    scheme_categories = disposal.scheme.categories if disposal.scheme else frozenset()
    form = ConditionForm(
        request.POST if request.method == "POST" else None,
        initial={"version": disposal.version},
        condition_types=[(k.code, k.label) for k in kinds if k.category in scheme_categories],
        services=_service_choices(request),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            added = _attempt(
                form,
                lambda: services.condition_add(
                    actor=request.user,
                    disposal_id=disposal.pk,
                    condition_type_code=data["condition_type"] or "",
                    expected_version=data["version"],
                    details=data["details"] or "",
                    deadline=data["deadline"],
                    hours=data["hours"],
                    amount_pence=data["amount"],
                    service_id=data["service"] or None,
                ),
            )
            if added is not None:
                messages.success(request, _("The condition is added."))
                return _back(disposal.pk)
    return render(
        request,
        "disposals/condition_add.html",
        {"form": form, "disposal": disposal, "kinds": kinds},
        status=status,
    )


def _post_step(
    request: AuthenticatedRequest,
    disposal_id: Any,
    call: Callable[[int], Any],
    done: str,
) -> HttpResponse:
    """A one-button step on the disposal page: run it, say what happened, go back."""
    disposal = _actable_or_403(request, disposal_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return _back(disposal.pk)
    try:
        call(form.cleaned_data["version"])
    except ApplicationError as error:
        raise_refusal(error)
        missing = error.extra.get("missing") if isinstance(error.extra, dict) else None
        messages.error(
            request, error.message + (" " + "; ".join(map(str, missing)) if missing else "")
        )
    else:
        messages.success(request, done)
    return _back(disposal.pk)


@capability_required(DECIDE_DISPOSAL)
@require_POST
def condition_delete(
    request: AuthenticatedRequest, disposal_id: Any, condition_id: int
) -> HttpResponse:
    return _post_step(
        request,
        disposal_id,
        lambda version: services.condition_remove(
            actor=request.user,
            disposal_id=disposal_id,
            condition_id=condition_id,
            expected_version=version,
        ),
        _("The condition is removed."),
    )


@capability_required(DECIDE_DISPOSAL)
@require_POST
def disposal_send_for_authorisation(
    request: AuthenticatedRequest, disposal_id: Any
) -> HttpResponse:
    return _post_step(
        request,
        disposal_id,
        lambda version: services.disposal_submit(
            actor=request.user, disposal_id=disposal_id, expected_version=version
        ),
        _("The disposal is sent to a supervisor to authorise."),
    )


@capability_required(AUTHORISE_DISPOSAL)
@require_POST
def disposal_authorisation(request: AuthenticatedRequest, disposal_id: Any) -> HttpResponse:
    disposal = _disposal_or_404(request, disposal_id)
    form = AuthoriseForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        if _attempt(
            form,
            lambda: services.disposal_authorise(
                actor=request.user,
                disposal_id=disposal.pk,
                approve=approve,
                note=form.cleaned_data["note"] or "",
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(
                request,
                _("The disposal is authorised.") if approve else _("The disposal is returned."),
            )
            return _back(disposal.pk)
    return render(
        request, "disposals/authorise.html", {"form": form, "disposal": disposal}, status=400
    )


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def disposal_issue_view(request: AuthenticatedRequest, disposal_id: Any) -> HttpResponse:
    """Confirm the person's agreement; issuing sends every condition's referral at once."""
    disposal = _actable_or_403(request, disposal_id)
    form = IssueForm(
        request.POST if request.method == "POST" else None,
        initial={"version": disposal.version},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            issued = _attempt(
                form,
                lambda: services.disposal_issue(
                    actor=request.user,
                    disposal_id=disposal.pk,
                    agreement_confirmed=form.cleaned_data["agreement_confirmed"],
                    expected_version=form.cleaned_data["version"],
                ),
            )
            if issued is not None:
                messages.success(
                    request,
                    _(
                        "The disposal is issued. Give the person the notice; the services have "
                        "their referrals."
                    ),
                )
                return _back(disposal.pk)
    # The page names the person and the conditions: a consultation, as the disposal's page.
    audit.record_shown_in(
        actor=request.user, subject=disposal.person_id, obj=disposal, shown_in="issue form"
    )
    return render(
        request,
        "disposals/issue.html",
        {"form": form, "disposal": disposal, "conditions": list(disposal.conditions.all())},
        status=status,
    )


def _condition_or_404(disposal: Disposal, condition_id: int) -> DisposalCondition:
    condition = disposal.conditions.filter(pk=condition_id).first()
    if condition is None:
        raise Http404
    return condition


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def condition_outcome(
    request: AuthenticatedRequest, disposal_id: Any, condition_id: int
) -> HttpResponse:
    disposal = _actable_or_403(request, disposal_id)
    condition = _condition_or_404(disposal, condition_id)
    form = ConditionOutcomeForm(
        request.POST if request.method == "POST" else None,
        initial={"version": condition.version},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and _attempt(
            form,
            lambda: services.condition_record(
                actor=request.user,
                condition_id=condition.pk,
                outcome=form.cleaned_data["outcome"] or "",
                note=form.cleaned_data["note"] or "",
                expected_version=form.cleaned_data["version"],
            ),
        ):
            messages.success(request, _("The condition's outcome is recorded."))
            return _back(disposal.pk)
    return render(
        request,
        "disposals/condition_outcome.html",
        {"form": form, "disposal": disposal, "condition": condition},
        status=status,
    )


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def condition_refer(
    request: AuthenticatedRequest, disposal_id: Any, condition_id: int
) -> HttpResponse:
    """Send a condition the service rejected to another service."""
    disposal = _actable_or_403(request, disposal_id)
    condition = _condition_or_404(disposal, condition_id)
    moving = condition.referral is not None and condition.referral.is_open
    form = ReferAgainForm(
        request.POST if request.method == "POST" else None,
        initial={"version": condition.version},
        services=_service_choices(request, condition.condition_type.need),
        moving=moving,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and _attempt(
            form,
            lambda: services.condition_refer_again(
                actor=request.user,
                condition_id=condition.pk,
                service_id=form.cleaned_data["service"] or None,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason") or "",
            ),
        ):
            messages.success(
                request,
                _(
                    "The condition is sent to the service you chose. Give the person the new "
                    "notice, under the conditions: it names the service."
                ),
            )
            return _back(disposal.pk)
    return render(
        request,
        "disposals/condition_refer.html",
        {"form": form, "disposal": disposal, "condition": condition},
        status=status,
    )


@capability_required(DECIDE_DISPOSAL)
@require_http_methods(["GET", "POST"])
def breach_decision(request: AuthenticatedRequest, disposal_id: Any) -> HttpResponse:
    disposal = _actable_or_403(request, disposal_id)
    if disposal.status != Disposal.Status.BREACHED:
        messages.error(request, _("There is no breach to decide on."))
        return _back(disposal.pk)
    to_send_again = services.conditions_to_send_again(disposal)
    form = BreachForm(
        request.POST if request.method == "POST" else None,
        initial={"version": disposal.version},
        decisions=services.breach_decisions_for(disposal),
        to_send_again=to_send_again,
        services={c.pk: _service_choices(request, c.condition_type.need) for c in to_send_again},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and _attempt(
            form,
            lambda: services.breach_decide(
                actor=request.user,
                disposal_id=disposal.pk,
                decision=form.cleaned_data["decision"] or "",
                reason=form.cleaned_data["reason"] or "",
                new_deadline=form.cleaned_data["new_deadline"],
                send_to=form.send_to(),
                expected_version=form.cleaned_data["version"],
            ),
        ):
            if form.cleaned_data["decision"] == Disposal.BreachDecision.EXTEND:
                messages.success(
                    request,
                    _(
                        "More time is given. Give the person the new notice, under the "
                        "conditions: it has the new deadline."
                    ),
                )
            else:
                messages.success(request, _("The breach decision is recorded."))
            return _back(disposal.pk)
    return render(
        request,
        "disposals/breach.html",
        {
            "form": form,
            "disposal": disposal,
            "failed": list(disposal.conditions.filter(status=DisposalCondition.Status.FAILED)),
        },
        status=status,
    )


@capability_required(*READERS)
@require_GET
def notice_download(
    request: AuthenticatedRequest, disposal_id: Any, notice_id: int | None = None
) -> HttpResponse:
    """The notice that counts now, or (with its id) any notice the person was given."""
    try:
        notice = services.notice_get(
            actor=request.user, disposal_id=disposal_id, notice_id=notice_id
        )
    except ApplicationError:
        raise Http404 from None
    name = notice.disposal.reference.lower() + "-notice"
    if notice_id is not None:
        name += f"-{notice_id}"
    response = HttpResponse(bytes(notice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
