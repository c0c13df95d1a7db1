"""The system administrator's pages for dated reference data: every version, new ones, ends."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError, raise_refusal
from pont.core.forms import apply_application_error
from pont.core.models import ReferenceData
from pont.core.reference import (
    BOOLEAN,
    ReferenceTable,
    reference_field_kind,
    reference_latest_version,
    reference_pages,
    reference_table_for,
    reference_table_rows,
    reference_tables,
)

from . import reference_services as services
from .http import AuthenticatedRequest
from .reference_forms import ReferenceRowAddForm, ReferenceRowEndForm
from .roles import MANAGE_REFERENCE_DATA


def _table_or_404(label: str) -> ReferenceTable:
    table = reference_table_for(label)
    if table is None:
        raise Http404
    return table


@dataclass
class _Version:
    row: ReferenceData
    extras: list[str]
    status: str
    end_form: ReferenceRowEndForm | None = None


@dataclass
class _Code:
    code: str
    versions: list[_Version] = field(default_factory=list)

    @property
    def latest(self) -> _Version:
        return self.versions[-1]


def _display(row: ReferenceData, model_field: Any) -> str:
    """A value as the reference data pages show it: a choice by its label in the reader's
    language, a list a model spells out itself (`shown_<field>`), other values as stored."""
    shown = getattr(row, f"shown_{model_field.name}", None)
    if callable(shown):
        return str(shown())
    value = getattr(row, model_field.name)
    if reference_field_kind(model_field) == BOOLEAN:
        return _("Yes") if value else _("No")
    if model_field.choices and value not in (None, ""):
        return str(dict(model_field.flatchoices).get(value, value))
    return "" if value is None else str(value)


def _codes(
    table: ReferenceTable, failed: ReferenceRowEndForm | None = None, failed_pk: int | None = None
) -> list[_Code]:
    """Every version of every code; the latest one, if not ended yet, with its end form."""
    today = timezone.localdate()
    codes: dict[str, _Code] = {}
    for row in reference_table_rows(table):
        if row.effective_from > today:
            status = "scheduled"
        elif row.effective_to is not None and row.effective_to < today:
            status = "ended"
        else:
            status = "current"
        extras = [_display(row, model_field) for model_field in table.extra_fields]
        codes.setdefault(row.code, _Code(row.code)).versions.append(_Version(row, extras, status))
    for entry in codes.values():
        latest = entry.latest
        if latest.row.effective_to is None or latest.row.effective_to >= today:
            latest.end_form = ReferenceRowEndForm(prefix=f"end-{latest.row.pk}")
        for version in entry.versions:
            if failed is not None and version.row.pk == failed_pk:
                version.end_form = failed
    return list(codes.values())


@capability_required(MANAGE_REFERENCE_DATA)
@require_http_methods(["GET"])
def table_list(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    tables = [
        (table, table.model.objects.effective_on(today).count()) for table in reference_tables()
    ]
    return render(
        request,
        "accounts/reference/table_list.html",
        {"tables": tables, "pages": reference_pages()},
    )


def _table_page(
    request: AuthenticatedRequest,
    table: ReferenceTable,
    *,
    failed: ReferenceRowEndForm | None = None,
    failed_pk: int | None = None,
) -> HttpResponse:
    return render(
        request,
        "accounts/reference/table.html",
        {
            "table": table,
            "extra_fields": table.extra_fields,
            "codes": _codes(table, failed, failed_pk),
            # The failed form, for the error summary and the page title.
            "form": failed,
        },
        status=400 if failed is not None else 200,
    )


@capability_required(MANAGE_REFERENCE_DATA)
@require_http_methods(["GET"])
def table_detail(request: AuthenticatedRequest, table: str) -> HttpResponse:
    return _table_page(request, _table_or_404(table))


@capability_required(MANAGE_REFERENCE_DATA)
@require_http_methods(["GET", "POST"])
def row_add(request: AuthenticatedRequest, table: str) -> HttpResponse:
    reference_table = _table_or_404(table)
    if request.method == "POST":
        form = ReferenceRowAddForm(request.POST, table=reference_table)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = services.reference_row_add(
                    actor=request.user,
                    model=reference_table.model,
                    code=data["code"],
                    label_en=data["label_en"],
                    label_cy=data["label_cy"],
                    effective_from=data["effective_from"],
                    source=data["source"],
                    sort_order=data["sort_order"],
                    **form.extra,
                )
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(
                    request,
                    _("Version of %(code)s added, in force from %(date)s.")
                    % {"code": row.code, "date": services.day_shown(row.effective_from)},
                )
                return redirect(
                    reverse("reference:table", kwargs={"table": reference_table.label})
                    + f"#code-{row.code}"
                )
        status = 400
    else:
        form = ReferenceRowAddForm(
            table=reference_table, initial=_prefill(reference_table, request)
        )
        status = 200
    return render(
        request,
        "accounts/reference/add.html",
        {"table": reference_table, "form": form},
        status=status,
    )


def _prefill(table: ReferenceTable, request: AuthenticatedRequest) -> dict[str, Any]:
    """Start from the latest version of ?code=, so a new version changes only what changed."""
    code = request.GET.get("code", "").strip()
    if not code:
        return {}
    latest = reference_latest_version(table.model, code)
    if latest is None:
        return {"code": code}
    names = ["code", "label_en", "label_cy", "source", "sort_order", *table.editable_fields]
    return {name: getattr(latest, name) for name in names}


@capability_required(MANAGE_REFERENCE_DATA)
@require_POST
def row_end(request: AuthenticatedRequest, table: str, row_id: int) -> HttpResponse:
    reference_table = _table_or_404(table)
    if not reference_table.model.objects.filter(pk=row_id).exists():
        raise Http404
    form = ReferenceRowEndForm(request.POST, prefix=f"end-{row_id}")
    if form.is_valid():
        try:
            row = services.reference_row_end(
                actor=request.user,
                model=reference_table.model,
                pk=row_id,
                effective_to=form.cleaned_data["effective_to"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(code)s ends on %(date)s.")
                % {"code": row.code, "date": services.day_shown(row.effective_to)},
            )
            return redirect(
                reverse("reference:table", kwargs={"table": reference_table.label})
                + f"#code-{row.code}"
            )
    return _table_page(request, reference_table, failed=form, failed_pk=row_id)


@capability_required(MANAGE_REFERENCE_DATA)
@require_http_methods(["GET", "POST"])
def row_withdraw(request: AuthenticatedRequest, table: str, row_id: int) -> HttpResponse:
    """Withdraw a version not yet in force: the page says what it does, and asks."""
    reference_table = _table_or_404(table)
    row = reference_table.model.objects.filter(pk=row_id).first()
    if row is None:
        raise Http404
    back = reverse("reference:table", kwargs={"table": reference_table.label}) + f"#code-{row.code}"
    refusal, withdrawal = "", None
    try:
        if request.method == "POST":
            services.reference_row_withdraw(
                actor=request.user, model=reference_table.model, pk=row_id
            )
            messages.success(
                request,
                _("The version of %(code)s from %(date)s is withdrawn.")
                % {"code": row.code, "date": services.day_shown(row.effective_from)},
            )
            return redirect(back)
        withdrawal = services.reference_withdrawal(reference_table.model, row)
    except ApplicationError as error:
        raise_refusal(error)
        refusal = error.message
    return render(
        request,
        "accounts/reference/withdraw.html",
        {
            "table": reference_table,
            "row": row,
            "withdrawal": withdrawal,
            "refusal": refusal,
            "back": back,
        },
        status=409 if refusal else 200,
    )
