"""The Quality Assurance Panel's pages: the sessions, a session with its cases, a case as the
panel sees it (and the member's judgement), the force's preparation of a case, the report
PDF, and the public summaries.

A panel member sees `panel_selectors.PanelRecord`s only: built from named fields
of the search, never the search itself, so nothing the panel must not see (the
person, the place, the time, the grounds as recorded, the officer) can reach a
panel page by a template's slip. The force's inspector, preparing a case, sees
the grounds as recorded; that showing is audited.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL
from pont.audit import services as audit
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, raise_refusal
from pont.core.forms import apply_application_error
from pont.core.refusals import not_found

from . import panel_report, panel_selectors, panel_services, selectors
from .forms import (
    PanelGroundsForm,
    PanelJudgementForm,
    PanelResponseForm,
    PanelSessionForm,
    PanelSummaryForm,
    VersionForm,
)
from .models import PanelCase, PanelSession

ANY_PANEL_ROLE = (ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL)
Status = PanelSession.Status


def _session_form(request: AuthenticatedRequest, data: Any = None) -> PanelSessionForm:
    panels = [(p.pk, p.display_name) for p in panel_selectors.panels_for(user=request.user)]
    forces = [(f.pk, f.display_name) for f in panel_selectors.forces_for_panel(user=request.user)]
    initial = {"panel": panels[0][0] if len(panels) == 1 else ""}
    if len(forces) == 1:
        initial["force"] = forces[0][0]
    return PanelSessionForm(data, panels=panels, forces=forces, initial=initial)


def _list_page(
    request: AuthenticatedRequest, form: PanelSessionForm | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "stop_search/panel_list.html",
        {
            "sessions": panel_selectors.sessions_with_counts(user=request.user),
            "form": form,
            "arranges": request.user.has_perm(ARRANGE_PANEL_SESSIONS),
        },
        status=status,
    )


@capability_required(*ANY_PANEL_ROLE)
@require_http_methods(["GET", "POST"])
def session_list(request: AuthenticatedRequest) -> HttpResponse:
    """The panel's sessions; the commissioner's office arranges a new one here."""
    arranges = request.user.has_perm(ARRANGE_PANEL_SESSIONS)
    if request.method != "POST":
        return _list_page(request, _session_form(request) if arranges else None)
    if not arranges:
        raise PermissionDenied
    form = _session_form(request, request.POST)
    if form.is_valid():
        try:
            session = panel_services.panel_session_arrange(
                actor=request.user, **form.service_arguments()
            )
        except ApplicationError as error:
            raise_refusal(error)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "The session has been arranged with %(count)s cases. "
                    "The force prepares them next."
                )
                % {"count": session.cases.count()},
            )
            return redirect("stop_search:panel_session", session_id=session.pk)
    return _list_page(request, form, status=400)


def _session_or_404(request: AuthenticatedRequest, session_id: int) -> PanelSession:
    session = panel_selectors.session_get_for_user(user=request.user, session_id=session_id)
    if session is None:
        raise not_found(request, PanelSession, session_id)
    return session


def _roles(request: AuthenticatedRequest, session: PanelSession) -> dict[str, bool]:
    user = request.user
    own_panel = panel_selectors.panels_for(user=user).filter(pk=session.panel_id).exists()
    return {
        "arranges": user.has_perm(ARRANGE_PANEL_SESSIONS) and own_panel,
        "judges": user.has_perm(JUDGE_PANEL_CASES) and own_panel,
        "responds": user.has_perm(RESPOND_TO_PANEL)
        and session.controller_id in selectors.force_ids_for(user=user),
    }


def _session_page(
    request: AuthenticatedRequest,
    session: PanelSession,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    roles = _roles(request, session)
    rows = []
    waiting = 0
    for case in panel_selectors.cases_of(session=session):
        waiting += not case.is_prepared
        judgements = list(case.judgements.all())
        rows.append(
            {
                "case": case,
                "record": panel_selectors.panel_record(case),
                "grounds": panel_selectors.tally(judgements, "reasonable_grounds"),
                "fairly": panel_selectors.tally(judgements, "treated_fairly"),
                "mine": panel_selectors.own_judgement(case, request.user),
            }
        )
    with transaction.atomic():
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            obj=session,
            detail={"shown_in": "panel session", "cases": len(rows)},
        )
    forms = forms or {}
    version = {"version": session.version}
    if roles["arranges"] and session.status != Status.CLOSED:
        forms.setdefault("status_form", VersionForm(initial=version))
    if roles["responds"] and session.status == Status.CLOSED and not session.published_at:
        forms.setdefault(
            "response_form",
            PanelResponseForm(initial={**version, "force_response": session.force_response}),
        )
    if roles["arranges"] and session.status == Status.CLOSED and not session.published_at:
        forms.setdefault("summary_form", PanelSummaryForm(initial=version))
    return render(
        request,
        "stop_search/panel_session.html",
        {
            "session": session,
            "rows": rows,
            "waiting": waiting,
            **roles,
            **forms,
        },
        status=status,
    )


@capability_required(*ANY_PANEL_ROLE)
@require_GET
def session_detail(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """A session: its cases (pseudonymised), where each stands, and what comes next."""
    return _session_page(request, _session_or_404(request, session_id))


@capability_required(ARRANGE_PANEL_SESSIONS)
@require_POST
def session_status(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """Open the session to the panel, or close it (by its status now)."""
    session = _session_or_404(request, session_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: check the session and try again."))
        return _session_page(request, session, status=400)
    change = (
        panel_services.panel_session_open
        if session.status == Status.PREPARING
        else panel_services.panel_session_close
    )
    try:
        change(
            actor=request.user,
            session_id=session.pk,
            expected_version=form.cleaned_data["version"],
        )
    except ApplicationError as error:
        raise_refusal(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The session is open to the panel.")
            if session.status == Status.PREPARING
            else _("The session is closed. Its report can now be downloaded."),
        )
    return redirect("stop_search:panel_session", session_id=session.pk)


def _form_change(
    request: AuthenticatedRequest,
    form: Form,
    change: Callable[[dict[str, Any]], object],
    *,
    done: str,
    then: str,
    busy: str,
    again: Callable[[], HttpResponse],
) -> HttpResponse:
    """Apply a change from a posted form: on success to `then` with `done`; a change that
    cannot be made now (409) back to `busy` with the reason; the form `again` (400) naming
    what is wrong; not found or not allowed answered as such."""
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ApplicationError as error:
            raise_refusal(error)
            if error.status == 409:
                messages.error(request, error.message)
                return redirect(busy)
            apply_application_error(form, error)
        else:
            messages.success(request, done)
            return redirect(then)
    return again()


def _session_change(
    request: AuthenticatedRequest,
    session: PanelSession,
    form: VersionForm,
    form_key: str,
    change: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """A change to the session from one of its forms, back to the session page."""
    url = reverse("stop_search:panel_session", kwargs={"session_id": session.pk})
    return _form_change(
        request,
        form,
        change,
        done=done,
        then=url,
        busy=url,
        again=lambda: _session_page(request, session, {form_key: form}, status=400),
    )


@capability_required(RESPOND_TO_PANEL)
@require_POST
def session_response(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """The force records its response to the panel's findings."""
    session = _session_or_404(request, session_id)
    return _session_change(
        request,
        session,
        PanelResponseForm(request.POST),
        "response_form",
        lambda data: panel_services.panel_response_record(
            actor=request.user,
            session_id=session.pk,
            response=data["force_response"],
            expected_version=data["version"],
        ),
        _("The force's response has been recorded."),
    )


@capability_required(ARRANGE_PANEL_SESSIONS)
@require_POST
def session_summary(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """The commissioner's office publishes the session's summary, in English and Welsh."""
    session = _session_or_404(request, session_id)
    return _session_change(
        request,
        session,
        PanelSummaryForm(request.POST),
        "summary_form",
        lambda data: panel_services.panel_summary_publish(
            actor=request.user,
            session_id=session.pk,
            summary_en=data["summary_en"],
            summary_cy=data["summary_cy"],
            expected_version=data["version"],
        ),
        _("The summary is published on the public page."),
    )


@capability_required(*ANY_PANEL_ROLE)
@require_POST
def session_report(request: AuthenticatedRequest, session_id: int) -> HttpResponse:
    """The session's report as a PDF, once it is closed (pseudonymised, like the pages). A
    disclosure, asked for with a button (a POST): recorded once for each time it is asked."""
    session = _session_or_404(request, session_id)
    if session.status != Status.CLOSED:
        raise Http404
    data = panel_report.report_data(session)
    pdf = panel_report.report_pdf(data, language=get_language() or "en")
    with transaction.atomic():
        audit.record(
            actor=request.user,
            operation=audit.Operation.DISCLOSURE,
            obj=session,
            detail={"report": "pdf", "cases": len(data.cases)},
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"panel-session-{session.meeting_date:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# One case ----------------------------------------------------------------------------------


def _case_or_404(request: AuthenticatedRequest, case_id: int) -> PanelCase:
    case = panel_selectors.case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        raise not_found(request, PanelCase, case_id)
    return case


def _case_page(
    request: AuthenticatedRequest,
    case: PanelCase,
    form: PanelJudgementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    session = case.session
    roles = _roles(request, session)
    judgements = list(case.judgements.all())
    mine = panel_selectors.own_judgement(case, request.user)
    with transaction.atomic():
        # Pseudonymised is still about a person: each showing of a case is recorded.
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=case.search.person_id,
            obj=case,
            detail={"shown_in": "panel case", "session": session.pk, "case": case.number},
        )
    may_judge = roles["judges"] and session.status == Status.OPEN
    if may_judge and form is None:
        initial = (
            {
                "reasonable_grounds": mine.reasonable_grounds,
                "treated_fairly": mine.treated_fairly,
                "comments": mine.comments,
            }
            if mine
            else {}
        )
        form = PanelJudgementForm(initial=initial)
    return render(
        request,
        "stop_search/panel_case.html",
        {
            "session": session,
            "case": case,
            "record": panel_selectors.panel_record(case),
            "form": form if may_judge else None,
            "mine": mine,
            "grounds": panel_selectors.tally(judgements, "reasonable_grounds"),
            "fairly": panel_selectors.tally(judgements, "treated_fairly"),
            "comments": [j.comments for j in judgements if j.comments]
            if session.status == Status.CLOSED or not roles["judges"]
            else [],
            **roles,
        },
        status=status,
    )


@capability_required(*ANY_PANEL_ROLE)
@require_http_methods(["GET", "POST"])
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """A case as the panel sees it; a panel member records their judgement here."""
    case = _case_or_404(request, case_id)
    if request.method != "POST":
        return _case_page(request, case)
    if not request.user.has_perm(JUDGE_PANEL_CASES):
        raise PermissionDenied
    form = PanelJudgementForm(request.POST)
    return _form_change(
        request,
        form,
        lambda data: panel_services.panel_judgement_record(
            actor=request.user, case_id=case.pk, **data
        ),
        done=_("Your judgement of case %(number)s has been recorded.") % {"number": case.number},
        then=reverse("stop_search:panel_session", kwargs={"session_id": case.session_id}),
        busy=reverse("stop_search:panel_case", kwargs={"case_id": case.pk}),
        again=lambda: _case_page(request, case, form, status=400),
    )


@capability_required(JUDGE_PANEL_CASES)
@require_POST
def case_footage(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """A member asks to see the case's body-worn video."""
    case = _case_or_404(request, case_id)
    try:
        panel_services.panel_footage_request(actor=request.user, case_id=case.pk)
    except ApplicationError as error:
        raise_refusal(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The force has been asked to arrange a viewing of the body-worn video."),
        )
    return redirect("stop_search:panel_case", case_id=case.pk)


def _prepare_page(
    request: AuthenticatedRequest, case: PanelCase, form: PanelGroundsForm, status: int = 200
) -> HttpResponse:
    search = case.search
    with transaction.atomic():
        # The grounds as recorded are shown to the force's inspector: the showing is recorded.
        audit.record(
            actor=request.user,
            operation=audit.Operation.CONSULTATION,
            subject=search.person_id,
            obj=search,
            detail={"shown_in": "panel case preparation", "session": case.session_id},
        )
    return render(
        request,
        "stop_search/panel_prepare.html",
        {
            "session": case.session,
            "case": case,
            "search": search,
            "record": panel_selectors.panel_record(case),
            "form": form,
            "preparing": case.session.status == Status.PREPARING,
        },
        status=status,
    )


@capability_required(RESPOND_TO_PANEL)
@require_http_methods(["GET", "POST"])
def case_prepare(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """The force's inspector writes the case's grounds as the panel will read them."""
    case = _case_or_404(request, case_id)
    if not _roles(request, case.session)["responds"]:
        raise Http404
    if request.method != "POST":
        text = case.grounds_for_panel or panel_services.panel_grounds_suggestion(
            actor=request.user, case_id=case.pk
        )
        return _prepare_page(request, case, PanelGroundsForm(initial={"grounds_for_panel": text}))
    form = PanelGroundsForm(request.POST)
    back = reverse("stop_search:panel_session", kwargs={"session_id": case.session_id})
    return _form_change(
        request,
        form,
        lambda data: panel_services.panel_case_prepare(actor=request.user, case_id=case.pk, **data),
        done=_("Case %(number)s is ready for the panel.") % {"number": case.number},
        then=back,
        busy=back,
        again=lambda: _prepare_page(request, case, form, status=400),
    )


# The public summaries ---------------------------------------------------------------------


@login_not_required
@require_GET
def public_summaries(request: HttpRequest) -> HttpResponse:
    """The panel's published findings, for anyone: figures and the summary in their language."""
    welsh = (get_language() or "en").startswith("cy")
    sessions = []
    for session in panel_selectors.published_sessions():
        judgements = [j for case in session.cases.all() for j in case.judgements.all()]
        sessions.append(
            {
                "session": session,
                "cases": len(session.cases.all()),
                "grounds": panel_selectors.tally(judgements, "reasonable_grounds"),
                "fairly": panel_selectors.tally(judgements, "treated_fairly"),
                "summary": session.summary_cy if welsh else session.summary_en,
                "summary_lang": "cy" if welsh else "en",
            }
        )
    return render(
        request,
        "stop_search/panel_public.html",
        {"sessions": sessions, "now": timezone.now()},
    )
