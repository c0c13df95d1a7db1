"""The scrutiny panel's pages: the samples, drawing a month, a sample with its cases and the
panel's answers, a case as the panel sees it (and the member's review), closing a sample,
and the session report PDF.

Every page shows `scrutiny_selectors.ScrutinyRecord`s only: built from named
fields of the disposal, never the disposal itself, so nothing the panel must not
see (the person, the officers' names, dates, contact details) can reach a page by a
template's slip. Each showing is audited.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.roles import ARRANGE_SCRUTINY, SCRUTINISE_DISPOSALS
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, raise_refusal
from pont.core.forms import apply_application_error
from pont.core.refusals import not_found

from . import scrutiny_report, scrutiny_selectors, scrutiny_services
from .models import ScrutinyCase, ScrutinySample
from .scrutiny_forms import DrawForm, ReviewForm

TAKES_PART = (SCRUTINISE_DISPOSALS, ARRANGE_SCRUTINY)


def _sample_or_404(request: AuthenticatedRequest, sample_id: Any) -> ScrutinySample:
    sample = scrutiny_selectors.sample_get_for_user(user=request.user, sample_id=sample_id)
    if sample is None:
        raise not_found(request, ScrutinySample, sample_id)
    return sample


def _case_or_404(request: AuthenticatedRequest, case_id: Any) -> ScrutinyCase:
    case = scrutiny_selectors.case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        raise not_found(request, ScrutinyCase, case_id)
    return case


# The samples, and drawing one ---------------------------------------------------------------


@capability_required(*TAKES_PART)
@require_GET
def sample_list(request: AuthenticatedRequest) -> HttpResponse:
    """The samples of the forces the user's office oversees, newest month first."""
    return render(
        request,
        "disposals/scrutiny_list.html",
        {
            "samples": scrutiny_selectors.samples_with_counts(user=request.user),
            "arranges": request.user.has_perm(ARRANGE_SCRUTINY),
            "reviews": request.user.has_perm(SCRUTINISE_DISPOSALS),
        },
    )


def _draw_form(request: AuthenticatedRequest, data: Any = None) -> DrawForm:
    forces = [(f.pk, f.display_name) for f in scrutiny_selectors.forces_for(user=request.user)]
    initial: dict[str, Any] = {"size": scrutiny_services.sample_size_setting()}
    if len(forces) == 1:
        initial["force"] = forces[0][0]
    return DrawForm(data, forces=forces, initial=initial)


@capability_required(ARRANGE_SCRUTINY)
@require_http_methods(["GET", "POST"])
def sample_draw(request: AuthenticatedRequest) -> HttpResponse:
    """The commissioner's officer draws a month's sample by hand (the job draws last month's)."""
    if request.method != "POST":
        return render(request, "disposals/scrutiny_draw.html", {"form": _draw_form(request)})
    form = _draw_form(request, request.POST)
    if form.is_valid():
        try:
            sample = scrutiny_services.scrutiny_sample_draw(
                actor=request.user, **form.service_arguments()
            )
        except ApplicationError as error:
            raise_refusal(error)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("The sample is drawn: %(count)s cases. The panel can review them now.")
                % {"count": sample.cases.count()},
            )
            return redirect("disposals:scrutiny_sample", sample_id=sample.pk)
    return render(request, "disposals/scrutiny_draw.html", {"form": form}, status=400)


# A sample -----------------------------------------------------------------------------------


@capability_required(*TAKES_PART)
@require_GET
def sample_detail(request: AuthenticatedRequest, sample_id: int) -> HttpResponse:
    """A sample: its cases (pseudonymised), the reviews so far and, for those who may see
    them, the panel's answers counted."""
    user = request.user
    sample = _sample_or_404(request, sample_id)
    cases = list(scrutiny_selectors.cases_of(sample=sample))
    letters = scrutiny_selectors.officer_letters(sample, cases)
    shows_answers = scrutiny_selectors.sees_answers(user=user, sample=sample)
    rows = []
    everyone = []
    for case in cases:
        reviews = list(case.reviews.all())
        everyone += reviews
        rows.append(
            {
                "case": case,
                "record": scrutiny_selectors.scrutiny_record(case, letters),
                "reviews": len(reviews),
                "appropriate": scrutiny_selectors.tally(reviews, "appropriate"),
                "consistent": scrutiny_selectors.tally(reviews, "consistent"),
                "mine": scrutiny_selectors.own_review(case, user),
            }
        )
    scrutiny_services.scrutiny_sample_viewed(actor=user, sample=sample, cases=len(rows))
    return render(
        request,
        "disposals/scrutiny_sample.html",
        {
            "sample": sample,
            "rows": rows,
            "arranges": user.has_perm(ARRANGE_SCRUTINY),
            "reviews": user.has_perm(SCRUTINISE_DISPOSALS),
            "shows_answers": shows_answers,
            "appropriate": scrutiny_selectors.tally(everyone, "appropriate"),
            "consistent": scrutiny_selectors.tally(everyone, "consistent"),
            "reviewers": len({r.reviewer_id for r in everyone}),
            "reviewed_by_me": sum(1 for row in rows if row["mine"]),
        },
    )


@capability_required(ARRANGE_SCRUTINY)
@require_POST
def sample_close(request: AuthenticatedRequest, sample_id: int) -> HttpResponse:
    """The commissioner's officer closes the sample: reviews end and the report is made."""
    sample = _sample_or_404(request, sample_id)
    try:
        scrutiny_services.scrutiny_sample_close(actor=request.user, sample_id=sample.pk)
    except ApplicationError as error:
        raise_refusal(error)
        messages.error(request, error.message)
    else:
        messages.success(request, _("The sample is closed. Its report can now be downloaded."))
    return redirect("disposals:scrutiny_sample", sample_id=sample.pk)


@capability_required(*TAKES_PART)
@require_POST
def sample_report(request: AuthenticatedRequest, sample_id: int) -> HttpResponse:
    """The session report as a PDF, once the sample is closed (pseudonymised, like the pages).
    A disclosure, asked for with a button (a POST): recorded once for each time it is asked."""
    sample = _sample_or_404(request, sample_id)
    if not sample.is_closed:
        raise Http404
    data = scrutiny_report.report_data(sample)
    pdf = scrutiny_report.report_pdf(data, language=get_language() or "en")
    scrutiny_services.scrutiny_report_given(
        actor=request.user, sample=sample, cases=len(data.cases)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"disposals-scrutiny-{sample.controller.slug}-{sample.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# One case -----------------------------------------------------------------------------------


def _case_page(
    request: AuthenticatedRequest,
    case: ScrutinyCase,
    form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    sample = case.sample
    # The letters are the sample's: the same officer is the same letter in every case.
    letters = scrutiny_selectors.officer_letters(
        sample, list(scrutiny_selectors.cases_of(sample=sample))
    )
    reviews = list(case.reviews.all())
    mine = scrutiny_selectors.own_review(case, user)
    scrutiny_services.scrutiny_case_viewed(actor=user, case=case)
    may_review = user.has_perm(SCRUTINISE_DISPOSALS) and not sample.is_closed
    if may_review and form is None:
        initial = (
            {
                "appropriate": mine.appropriate,
                "consistent": mine.consistent,
                "comments": mine.comments,
            }
            if mine
            else {}
        )
        form = ReviewForm(initial=initial)
    shows_answers = scrutiny_selectors.sees_answers(user=user, sample=sample)
    return render(
        request,
        "disposals/scrutiny_case.html",
        {
            "sample": sample,
            "case": case,
            "record": scrutiny_selectors.scrutiny_record(case, letters),
            "form": form if may_review else None,
            "mine": mine,
            "reviews": user.has_perm(SCRUTINISE_DISPOSALS),
            "shows_answers": shows_answers,
            "appropriate": scrutiny_selectors.tally(reviews, "appropriate"),
            "consistent": scrutiny_selectors.tally(reviews, "consistent"),
            "comments": [r.comments for r in reviews if r.comments] if shows_answers else [],
        },
        status=status,
    )


@capability_required(*TAKES_PART)
@require_http_methods(["GET", "POST"])
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """A case as the panel sees it; a panel member records their review here."""
    case = _case_or_404(request, case_id)
    if request.method != "POST":
        return _case_page(request, case)
    if not request.user.has_perm(SCRUTINISE_DISPOSALS):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            scrutiny_services.scrutiny_review_record(
                actor=request.user, case_id=case.pk, **form.cleaned_data
            )
        except ApplicationError as error:
            raise_refusal(error)
            if error.status == 409:
                messages.error(request, error.message)
                return redirect("disposals:scrutiny_case", case_id=case.pk)
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("Your review of case %(number)s has been recorded.") % {"number": case.position},
            )
            return redirect(
                reverse("disposals:scrutiny_sample", kwargs={"sample_id": case.sample_id})
                + f"#case-{case.position}"
            )
    return _case_page(request, case, form, status=400)
