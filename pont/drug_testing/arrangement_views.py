"""The system administrator's pages for custody suites' notified testing arrangements.

PACE s.63B(4) (the notification condition) and Drugs Act 2005 s.9(5)-(6): each
suite's arrangements are dated reference data, one row per period, listed here
for every suite, current and past. A new arrangement ends the previous one the
day before it starts.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.models import Organisation
from pont.accounts.reference_services import day_shown
from pont.accounts.roles import MANAGE_REFERENCE_DATA
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError
from pont.core.forms import apply_application_error
from pont.core.refusals import not_found

from . import selectors, services
from .arrangement_forms import CONDITIONS, SuiteArrangementForm
from .models import SuiteArrangement

CURRENT, SCHEDULED, ENDED = "current", "scheduled", "ended"


@dataclass
class _Period:
    arrangement: SuiteArrangement
    status: str


def _status(arrangement: SuiteArrangement) -> str:
    today = timezone.localdate()
    if arrangement.effective_from > today:
        return SCHEDULED
    if arrangement.effective_to is not None and arrangement.effective_to < today:
        return ENDED
    return CURRENT


@capability_required(MANAGE_REFERENCE_DATA)
@require_GET
def arrangement_list(request: AuthenticatedRequest) -> HttpResponse:
    suites = [
        (
            suite,
            [_Period(a, _status(a)) for a in suite.drug_testing_arrangements.all()],
        )
        for suite in selectors.arrangement_suites_visible_to(user=request.user)
    ]
    return render(request, "drug_testing/arrangements.html", {"suites": suites})


@capability_required(MANAGE_REFERENCE_DATA)
@require_http_methods(["GET", "POST"])
def arrangement_add(request: AuthenticatedRequest, suite_id: int) -> HttpResponse:
    suite = selectors.arrangement_suite_get_for_user(user=request.user, suite_id=suite_id)
    if suite is None:
        raise not_found(request, Organisation, suite_id)
    latest = selectors.arrangement_latest(suite=suite)
    if request.method == "POST":
        form = SuiteArrangementForm(request.POST)
        if form.is_valid():
            try:
                arrangement = services.suite_arrangement_add(
                    actor=request.user,
                    suite_id=suite.pk,
                    effective_from=form.cleaned_data["effective_from"],
                    source=form.cleaned_data["source"],
                    **form.flags,
                )
            except ApplicationError as error:
                if error.status == 404:
                    raise Http404 from None
                apply_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("New arrangement for %(suite)s added, in force from %(date)s.")
                    % {
                        "suite": suite.display_name,
                        "date": day_shown(arrangement.effective_from),
                    },
                )
                return redirect(reverse("drug_testing:arrangements") + f"#suite-{suite.slug}")
        status = 400
    else:
        # Start from what is notified now, so the administrator changes only what changed.
        notified = [name for name, _label in CONDITIONS if latest and getattr(latest, name)]
        form = SuiteArrangementForm(initial={"notified": notified})
        status = 200
    return render(
        request,
        "drug_testing/arrangements_add.html",
        {
            "suite": suite,
            "latest": latest,
            "form": form,
        },
        status=status,
    )
