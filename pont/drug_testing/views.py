"""Custody desk pages: record a test, see why it was lawful, impose and vary a Required
Assessment, the provider's Required Assessment steps, breaches and the officer's tasks."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import DECIDE_BREACH, RECORD_DRUG_TEST, WORK_REFERRAL
from pont.audit import services as audit
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.forms import apply_application_error
from pont.core.numbers import whole_number
from pont.core.refusals import not_found
from pont.people.models import Person
from pont.people.selectors import person_get_for_user
from pont.people.services import DuplicateSuspected, people_shown
from pont.referrals.services import ContactDetailsIncomplete

from . import selectors, services
from .eligibility import explanation_in
from .forms import (
    BreachDecisionForm,
    ConfirmationForm,
    CourtResultForm,
    DisputeForm,
    DrugTestForm,
    FollowUpForm,
    ImposeForm,
    TaskDoneForm,
    VaryForm,
)
from .models import BreachCase, DrugTest, Notice, OfficerTask, RequiredAssessment

RECENT = 50


def _version(request: HttpRequest) -> int:
    value = request.POST.get("version", "")
    number = whole_number(value)
    return -1 if number is None else number


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# The custody desk ---------------------------------------------------------------


@capability_required(RECORD_DRUG_TEST)
@require_GET
def test_list(request: AuthenticatedRequest) -> HttpResponse:
    tests = list(
        selectors.drug_test_list_visible_to(user=request.user)
        .prefetch_related("results__substance")
        .order_by("-created_at")[:RECENT]
    )
    with transaction.atomic():
        people_shown(actor=request.user, people=[t.person for t in tests], context="drug test list")
    open_tasks = selectors.tasks_for(user=request.user).filter(done_at__isnull=True).count()
    return render(request, "drug_testing/list.html", {"tests": tests, "open_tasks": open_tasks})


def _test_form(request: AuthenticatedRequest, data: Any = None) -> DrugTestForm:
    today = timezone.localdate()
    suites = [(s.pk, s.display_name) for s in selectors.custody_suites_for(user=request.user)]
    initial: dict[str, Any] = {
        "arrested_at": today,
        "sample_taken_at": today,
        "condition": "arrest",
        "outcome": "tested",
    }
    if len(suites) == 1:
        initial["custody_suite"] = suites[0][0]
    return DrugTestForm(
        data,
        initial=initial,
        suites=suites,
        triggers=[(t.code, t.label) for t in selectors.trigger_offences_on(today)],
        substances=[(s.code, s.label) for s in selectors.substances_on(today)],
    )


def _chosen_person(request: AuthenticatedRequest, raw: Any) -> Any:
    if not raw:
        return None
    try:
        return person_get_for_user(user=request.user, person_id=int(raw))
    except (TypeError, ValueError):
        return None


@capability_required(RECORD_DRUG_TEST)
@require_http_methods(["GET", "POST"])
def test_create(request: AuthenticatedRequest) -> HttpResponse:
    """One screen: the person, the custody facts, the legal basis and the result."""
    person = _chosen_person(request, request.GET.get("person") or request.POST.get("person"))
    if (request.GET.get("person") or request.POST.get("person")) and person is None:
        raise not_found(request, Person, request.GET.get("person") or request.POST.get("person"))
    form = _test_form(request, request.POST if request.method == "POST" else None)
    matches = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                test = services.drug_test_record(
                    actor=request.user,
                    person_id=person.pk if person else None,
                    new_person=None if person else form.new_person(),
                    **form.service_arguments(),
                )
            except DuplicateSuspected as error:
                matches = error.matches
                with transaction.atomic():
                    people_shown(
                        actor=request.user,
                        people=[m.person for m in matches],
                        context="possible duplicates",
                    )
                form.add_error("confirmed_new", error.message)
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("The test for %(name)s has been recorded.") % {"name": test.person.full_name},
                )
                return redirect("drug_testing:test_detail", test_id=test.pk)
    return render(
        request,
        "drug_testing/create.html",
        {"form": form, "person": person, "matches": matches},
        status=status,
    )


@capability_required(RECORD_DRUG_TEST)
@require_POST
def eligibility_check(request: AuthenticatedRequest) -> HttpResponse:
    """The eligibility engine's answer to the form as it stands (htmx); nothing is saved."""
    form = _test_form(request, request.POST)
    form.is_valid()  # only to clean what can be cleaned; nothing is saved
    data = form.cleaned_data
    person = _chosen_person(request, request.POST.get("person"))
    answer = None
    missing = []
    suite = (
        selectors.custody_suites_for(user=request.user)
        .filter(pk=data.get("custody_suite") or 0)
        .first()
    )
    if person is None and not data.get("date_of_birth"):
        missing.append(_("the person's date of birth"))
    if suite is None:
        missing.append(_("the custody suite"))
    if data.get("condition") not in ("arrest", "charge"):
        missing.append(_("the condition"))
    if suite is not None and not missing:
        from pont.people.models import Person

        subject = person or Person(date_of_birth=data["date_of_birth"])
        answer = services.check_eligibility(
            person=subject,
            suite=suite,
            on=timezone.localdate(),
            condition=data["condition"],
            charged=data.get("charged_at") is not None,
            trigger_code=data.get("trigger_offence") or "",
            class_a_confirmed=bool(data.get("class_a_confirmed")),
            authorising_inspector=data.get("authorising_inspector") or "",
            authorising_rank=data.get("authorising_rank") or "",
            authorisation_grounds=data.get("authorisation_grounds") or "",
            warning_given=bool(data.get("warning_given")),
            told_of_authorisation=bool(data.get("told_of_authorisation")),
            appropriate_adult=data.get("appropriate_adult") or "",
        )
    return render(request, "drug_testing/_eligibility.html", {"answer": answer, "missing": missing})


def _test_or_404(request: AuthenticatedRequest, test_id: Any) -> DrugTest:
    test = selectors.drug_test_get_for_user(user=request.user, test_id=test_id)
    if test is None:
        raise not_found(request, DrugTest, test_id)
    return test


def _detail_context(request: AuthenticatedRequest, test: DrugTest, **forms: Any) -> dict[str, Any]:
    assessment = RequiredAssessment.objects.filter(test=test).first()
    appointment = assessment.initial_appointment if assessment else None
    language = get_language()
    context: dict[str, Any] = {
        "test": test,
        # Why the law allowed it, in the reader's language where it was kept in it.
        "eligibility": [
            {**c, "text": text, "lang": lang}
            for c in test.eligibility
            for text, lang in [explanation_in(c, language)]
        ],
        "results": test.results.select_related("substance"),
        "assessment": assessment,
        "notices": assessment.notices.all() if assessment else [],
        "breaches": assessment.breaches.all() if assessment else [],
        "window": services.appointment_window(test) if test.may_require_assessment else None,
        "tasks": test.tasks.filter(assigned_to=request.user, done_at__isnull=True),
        "dispute_form": DisputeForm(initial={"version": test.version}),
        "confirmation_form": ConfirmationForm(initial={"version": test.version}),
        "impose_form": ImposeForm(services=_services()),
        "vary_form": VaryForm(
            initial={
                "version": assessment.version,
                "appointment_at": timezone.localdate(appointment.starts_at),
                "appointment_at_time": f"{timezone.localtime(appointment.starts_at):%H:%M}",
                "place": appointment.place,
            }
        )
        if assessment and appointment
        else None,
    }
    context.update(forms)
    return context


def _services() -> list[tuple[Any, str]]:
    from pont.directory.models import Service

    return [
        (s.pk, f"{s.display_name} ({s.organization.display_name})")
        for s in Service.objects.select_related("organization").order_by("name")
        if s.can_receive_referrals
    ]


@capability_required(RECORD_DRUG_TEST, DECIDE_BREACH)
@require_GET
def test_detail(request: AuthenticatedRequest, test_id: Any) -> HttpResponse:
    with transaction.atomic():
        test = _test_or_404(request, test_id)
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=test.person_id,
            obj=test,
        )
    return render(request, "drug_testing/detail.html", _detail_context(request, test))


def _back_to_test(
    request: AuthenticatedRequest, test_id: Any, form_name: str, form: Any, run: Any, done: str
) -> HttpResponse:
    """Run an action on the test page: on success back to it, otherwise show the errors."""
    if form.is_valid():
        try:
            run(form)
        except NotFoundError:
            raise Http404 from None
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("drug_testing:test_detail", test_id=test_id)
        except ContactDetailsIncomplete as error:
            form.add_error(None, error.message)
            for missing in error.extra.get("missing", []):
                form.add_error(None, missing)
        except ApplicationError as error:
            if error.status == 409:
                messages.error(request, error.message)
                return redirect("drug_testing:test_detail", test_id=test_id)
            apply_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect("drug_testing:test_detail", test_id=test_id)
    test = _test_or_404(request, test_id)
    audit.record_shown_in(actor=request.user, subject=test.person_id, obj=test, shown_in=form_name)
    return render(
        request,
        "drug_testing/detail.html",
        _detail_context(request, test, **{form_name: form}),
        status=400,
    )


@capability_required(RECORD_DRUG_TEST)
@require_POST
def test_dispute(request: AuthenticatedRequest, test_id: Any) -> HttpResponse:
    return _back_to_test(
        request,
        test_id,
        "dispute_form",
        DisputeForm(request.POST),
        lambda f: services.drug_test_dispute(
            actor=request.user,
            test_id=test_id,
            confirmatory_sent_at=f.sent(),
            expected_version=f.cleaned_data["version"],
        ),
        _("The dispute is recorded. Record the laboratory's result when it arrives."),
    )


@capability_required(RECORD_DRUG_TEST)
@require_POST
def test_confirmation(request: AuthenticatedRequest, test_id: Any) -> HttpResponse:
    return _back_to_test(
        request,
        test_id,
        "confirmation_form",
        ConfirmationForm(request.POST),
        lambda f: services.drug_test_confirmation_record(
            actor=request.user,
            test_id=test_id,
            confirmed=f.cleaned_data["confirmed"],
            received_at=f.received(),
            expected_version=f.cleaned_data["version"],
        ),
        _("The confirmatory result is recorded."),
    )


@capability_required(RECORD_DRUG_TEST)
@require_POST
def assessment_impose(request: AuthenticatedRequest, test_id: Any) -> HttpResponse:
    return _back_to_test(
        request,
        test_id,
        "impose_form",
        ImposeForm(request.POST, services=_services()),
        lambda f: services.required_assessment_impose(
            actor=request.user,
            test_id=test_id,
            service_id=f.cleaned_data["service"],
            appointment_at=f.appointment(),
            place=f.cleaned_data["place"],
        ),
        _(
            "The Required Assessment is imposed and the referral has reached the service. "
            "Print the RA1 notice and give it to the person."
        ),
    )


@capability_required(RECORD_DRUG_TEST)
@require_POST
def assessment_vary(request: AuthenticatedRequest, test_id: Any) -> HttpResponse:
    test = _test_or_404(request, test_id)
    assessment = RequiredAssessment.objects.filter(test=test).first()
    if assessment is None:
        raise Http404
    return _back_to_test(
        request,
        test_id,
        "vary_form",
        VaryForm(request.POST),
        lambda f: services.required_assessment_vary(
            actor=request.user,
            assessment_id=assessment.pk,
            appointment_at=f.appointment(),
            place=f.cleaned_data["place"],
            expected_version=f.cleaned_data["version"],
        ),
        _("The appointment is changed. Print the RA2 notice and give it to the person."),
    )


@capability_required(RECORD_DRUG_TEST, DECIDE_BREACH, WORK_REFERRAL)
@require_GET
def notice_pdf(request: AuthenticatedRequest, notice_id: int) -> HttpResponse:
    try:
        notice: Notice = services.notice_for(actor=request.user, notice_id=notice_id)
    except NotFoundError:
        raise not_found(request, Notice, notice_id) from None
    return _pdf(bytes(notice.pdf), f"{notice.kind}-{notice.assessment.reference}.pdf")


# The provider's steps -------------------------------------------------------------


def _provider_assessment(request: AuthenticatedRequest, assessment_id: Any) -> RequiredAssessment:
    assessment = selectors.assessment_for_provider(user=request.user, assessment_id=assessment_id)
    if assessment is None:
        raise not_found(request, RequiredAssessment, assessment_id)
    return assessment


def _provider_page(
    request: AuthenticatedRequest, assessment: RequiredAssessment, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "assessment": assessment,
        "person": assessment.test.person,
        "notices": assessment.notices.all(),
        "follow_up_form": FollowUpForm(),
    }
    context.update(forms)
    return render(request, "drug_testing/provider.html", context, status=status)


@capability_required(WORK_REFERRAL)
@require_GET
def provider_assessment(request: AuthenticatedRequest, assessment_id: Any) -> HttpResponse:
    with transaction.atomic():
        assessment = _provider_assessment(request, assessment_id)
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=assessment.test.person_id,
            obj=assessment,
        )
    return _provider_page(request, assessment)


def _provider_act(
    request: AuthenticatedRequest, assessment_id: Any, form: Any, run: Any, done: str
) -> HttpResponse:
    assessment = _provider_assessment(request, assessment_id)
    if form is None or form.is_valid():
        try:
            run(form)
        except ApplicationError as error:
            if form is None or error.status == 409:
                messages.error(request, error.message)
                return redirect("drug_testing:provider_assessment", assessment_id=assessment.pk)
            apply_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect("drug_testing:provider_assessment", assessment_id=assessment.pk)
    audit.record_shown_in(
        actor=request.user,
        subject=assessment.test.person_id,
        obj=assessment,
        shown_in="follow_up_form",
    )
    return _provider_page(request, assessment, status=400, follow_up_form=form)


@capability_required(WORK_REFERRAL)
@require_POST
def provider_follow_up(request: AuthenticatedRequest, assessment_id: Any) -> HttpResponse:
    return _provider_act(
        request,
        assessment_id,
        FollowUpForm(request.POST),
        lambda f: services.follow_up_require(
            actor=request.user,
            assessment_id=assessment_id,
            appointment_at=f.appointment(),
            place=f.cleaned_data["place"],
        ),
        _("The follow-up assessment is required. Print the RA4 notice and give it to the person."),
    )


@capability_required(WORK_REFERRAL)
@require_POST
def provider_cease(request: AuthenticatedRequest, assessment_id: Any) -> HttpResponse:
    return _provider_act(
        request,
        assessment_id,
        None,
        lambda f: services.follow_up_cease(actor=request.user, assessment_id=assessment_id),
        _("The requirement has ceased. Print the RA5 notice and give it to the person."),
    )


# Breaches and tasks -----------------------------------------------------------------


@capability_required(DECIDE_BREACH)
@require_GET
def breach_list(request: AuthenticatedRequest) -> HttpResponse:
    breaches = list(selectors.breach_list_visible_to(user=request.user).order_by("-opened_at"))
    with transaction.atomic():
        people_shown(
            actor=request.user,
            people=[b.assessment.test.person for b in breaches],
            context="breach list",
        )
    return render(request, "drug_testing/breach_list.html", {"breaches": breaches})


def _breach_or_404(request: AuthenticatedRequest, breach_id: Any) -> BreachCase:
    breach = selectors.breach_get_for_user(user=request.user, breach_id=breach_id)
    if breach is None:
        raise not_found(request, BreachCase, breach_id)
    return breach


def _breach_page(
    request: AuthenticatedRequest, breach: BreachCase, status: int = 200, **forms: Any
) -> HttpResponse:
    context = {
        "breach": breach,
        "assessment": breach.assessment,
        "person": breach.assessment.test.person,
        "decision_form": BreachDecisionForm(initial={"version": breach.version}),
        "court_form": CourtResultForm(initial={"version": breach.version}),
    }
    context.update(forms)
    return render(request, "drug_testing/breach_detail.html", context, status=status)


@capability_required(DECIDE_BREACH)
@require_GET
def breach_detail(request: AuthenticatedRequest, breach_id: Any) -> HttpResponse:
    with transaction.atomic():
        breach = _breach_or_404(request, breach_id)
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=breach.assessment.test.person_id,
            obj=breach,
        )
    return _breach_page(request, breach)


def _breach_act(
    request: AuthenticatedRequest, breach_id: Any, form_name: str, form: Any, run: Any, done: str
) -> HttpResponse:
    breach = _breach_or_404(request, breach_id)
    if form.is_valid():
        try:
            run(form)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect("drug_testing:breach_detail", breach_id=breach.pk)
        except ApplicationError as error:
            if error.status == 409:
                messages.error(request, error.message)
                return redirect("drug_testing:breach_detail", breach_id=breach.pk)
            apply_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect("drug_testing:breach_detail", breach_id=breach.pk)
    audit.record_shown_in(
        actor=request.user,
        subject=breach.assessment.test.person_id,
        obj=breach,
        shown_in=form_name,
    )
    return _breach_page(request, breach, status=400, **{form_name: form})


@capability_required(DECIDE_BREACH)
@require_POST
def breach_decide(request: AuthenticatedRequest, breach_id: Any) -> HttpResponse:
    return _breach_act(
        request,
        breach_id,
        "decision_form",
        BreachDecisionForm(request.POST),
        lambda f: services.breach_decide(
            actor=request.user,
            breach_id=breach_id,
            decision=f.cleaned_data["decision"],
            reason=f.cleaned_data["reason"],
            expected_version=f.cleaned_data["version"],
        ),
        _("The decision is recorded."),
    )


@capability_required(DECIDE_BREACH)
@require_POST
def breach_court_result(request: AuthenticatedRequest, breach_id: Any) -> HttpResponse:
    return _breach_act(
        request,
        breach_id,
        "court_form",
        CourtResultForm(request.POST),
        lambda f: services.breach_court_result_record(
            actor=request.user,
            breach_id=breach_id,
            result=f.cleaned_data["result"],
            on=f.cleaned_data["on"],
            note=f.cleaned_data["note"],
            expected_version=f.cleaned_data["version"],
        ),
        _("The court result is recorded."),
    )


@capability_required(DECIDE_BREACH)
@require_GET
def breach_pack(request: AuthenticatedRequest, breach_id: Any) -> HttpResponse:
    try:
        breach = services.evidence_pack_for(actor=request.user, breach_id=breach_id)
    except NotFoundError:
        raise Http404 from None
    return _pdf(bytes(breach.evidence_pack), f"evidence-pack-{breach.reference}.pdf")


def _task_page(
    request: AuthenticatedRequest, failed: tuple[int, TaskDoneForm] | None = None
) -> HttpResponse:
    items = []
    tasks = list(selectors.tasks_for(user=request.user))
    people_shown(actor=request.user, people=[t.test.person for t in tasks], context="tasks")
    for task in tasks:
        form = TaskDoneForm(auto_id=f"task-{task.pk}-%s")
        if failed and failed[0] == task.pk:
            form = failed[1]
        items.append((task, form))
    return render(
        request,
        "drug_testing/tasks.html",
        {"items": items, "failed_form": failed[1] if failed else None},
        status=400 if failed else 200,
    )


@capability_required(RECORD_DRUG_TEST, DECIDE_BREACH)
@require_GET
def task_list(request: AuthenticatedRequest) -> HttpResponse:
    return _task_page(request)


@capability_required(RECORD_DRUG_TEST, DECIDE_BREACH)
@require_POST
def task_done(request: AuthenticatedRequest, task_id: int) -> HttpResponse:
    if not selectors.tasks_for(user=request.user).filter(pk=task_id).exists():
        raise not_found(request, OfficerTask, task_id)
    form = TaskDoneForm(request.POST, auto_id=f"task-{task_id}-%s")
    if not form.is_valid():
        return _task_page(request, failed=(task_id, form))
    try:
        services.task_complete(actor=request.user, task_id=task_id, note=form.cleaned_data["note"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The task is done."))
    return redirect("drug_testing:tasks")
