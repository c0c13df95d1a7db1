"""The data protection officer's audit log search and export (DPA 2018 s.62(4), (5))."""

import csv
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from pont.core.decorators import capability_required
from pont.core.exports import spreadsheet_text

from . import services
from .forms import AuditExportForm, AuditSearchForm
from .models import AuditChainHead
from .selectors import EXPORT_CAPABILITY, SEARCH_CAPABILITY, audit_event_search

PAGE_SIZE = 50
EXPORT_COLUMNS = [
    "index",
    "time_utc",
    "operation",
    "actor",
    "organisation_id",
    "person_reference",
    "object_type",
    "object_id",
    "reason",
    "recipient",
    "request_id",
    "hash",
]


def _rows(events: Any) -> Iterator[list[str]]:
    yield EXPORT_COLUMNS
    for event in events.iterator(chunk_size=2000):
        yield [
            spreadsheet_text(v)
            for v in (
                event.sequence,
                event.occurred_at.isoformat(timespec="seconds"),
                event.operation,
                event.actor_label,
                event.organisation_id or "",
                f"P{event.subject_person_id:06d}" if event.subject_person_id else "",
                event.object_type,
                event.object_id,
                event.reason,
                event.recipient,
                event.request_id,
                event.hash,
            )
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


@capability_required(SEARCH_CAPABILITY)
@require_http_methods(["GET"])
def audit_search(request: HttpRequest) -> HttpResponse:
    """Search the log by person, member of staff, date and operation."""
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        criteria = form.criteria()
        events = audit_event_search(user=request.user, criteria=criteria)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        # Read the page before recording the search, or the page would list the search itself.
        page.object_list = list(page.object_list)
        with transaction.atomic():
            # Reading the log is itself a consultation: the auditor is audited too.
            services.record(
                actor=request.user,
                operation=services.Operation.CONSULTATION,
                subject=criteria.person_id,
                object_type="audit.auditevent",
                detail={"search": criteria.describe(), "page": page.number},
            )
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "page": page,
            "export_form": AuditExportForm(),
            "may_export": request.user.has_perm(EXPORT_CAPABILITY),
        },
    )


@capability_required(EXPORT_CAPABILITY)
@require_http_methods(["POST"])
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Export the events matching a search as CSV; the export is logged as a disclosure."""
    search = AuditSearchForm(request.POST)
    export = AuditExportForm(request.POST)
    if not (search.is_valid() and export.is_valid()):
        return render(
            request,
            "audit/search.html",
            {"form": search, "export_form": export, "page": None, "may_export": True},
            status=400,
        )
    criteria = search.criteria()
    with transaction.atomic():
        # Export the log as it stood before this request: the file then holds exactly the
        # rows the disclosure counts, and neither its own disclosure nor later events.
        last = AuditChainHead.objects.values_list("sequence", flat=True).get(pk=1)
        events = audit_event_search(user=request.user, criteria=criteria)
        events = events.filter(sequence__lte=last).order_by("sequence")
        services.record(
            actor=request.user,
            operation=services.Operation.DISCLOSURE,
            subject=criteria.person_id,
            object_type="audit.auditevent",
            reason=export.cleaned_data["reason"],
            recipient=export.cleaned_data["recipient"],
            detail={"export": criteria.describe(), "rows": events.count()},
        )
    writer = csv.writer(_Echo())
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _rows(events)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="pont-audit-{stamp}.csv"'
    return response
