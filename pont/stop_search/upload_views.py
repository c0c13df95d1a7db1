"""police.uk data in the browser, for the force's analysts: upload monthly stop-and-search
files (imported in the background, with a progress page) and download a month as police.uk
publishes it.

The import and the export are the services' (`policeuk_import`, `policeuk_export`), which
check the capability and the force and write the audit events; the job that runs the import
is `policeuk_jobs`. A job of another force is not found (404), like one that does not exist.
"""

import re
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pont.accounts.http import AuthenticatedRequest
from pont.accounts.models import Organisation
from pont.accounts.roles import IMPORT_POLICEUK
from pont.core.decorators import capability_required
from pont.core.exceptions import ApplicationError
from pont.core.uploads import files_too_large, takes_files

from . import policeuk, policeuk_jobs, services
from .policeuk_jobs import Status

MAX_FILES = 24  # two years of one force
MAX_FILE_BYTES = 100 * 1024 * 1024  # a police.uk month of the largest force is under 5 MB
MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})")

SELECT_FILES = gettext_lazy("Select one or more police.uk stop-and-search CSV files")
NOT_CSV = gettext_lazy(
    "“%(name)s” is not a CSV file: select police.uk stop-and-search files, which end in .csv"
)
EMPTY_FILE = gettext_lazy("“%(name)s” is empty")
TOO_BIG = gettext_lazy("“%(name)s” is larger than %(limit)s: split it into its months")
TOO_MANY = gettext_lazy("Select at most %(limit)s files at a time")
SELECT_FORCE = gettext_lazy("Select the police force")
ENTER_MONTH = gettext_lazy("Enter the month as a year and a month, like 2019-09")


def _max_file_bytes() -> int:
    return int(getattr(settings, "POLICEUK_UPLOAD_MAX_BYTES", MAX_FILE_BYTES))


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern): a list of files.

    Named csv_files on the form: `files` is the form's own attribute (the request's files).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        clean_one = super().clean
        if isinstance(data, list | tuple):
            if not data:
                return [clean_one(None, initial)]  # required: says to select a file
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)]


class _ForceForm(forms.Form):
    force = forms.ChoiceField(
        label=gettext_lazy("Police force"), error_messages={"required": SELECT_FORCE}
    )

    def __init__(self, *args: Any, forces: list[tuple[str, Organisation]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forces = forces
        field = cast(forms.ChoiceField, self.fields["force"])
        field.choices = [(force_id, force.display_name) for force_id, force in forces]
        field.error_messages["invalid_choice"] = str(SELECT_FORCE)
        if len(forces) == 1:
            self.fields["force"].initial = forces[0][0]

    @property
    def single_force(self) -> bool:
        return len(self.forces) == 1


class PoliceUkUploadForm(_ForceForm):
    """One or more police.uk stop-and-search files (each a force-month). `too_large`: the
    names of files dropped as they arrived, over the limit (pont.core.uploads)."""

    csv_files = _MultipleFileField(
        label=gettext_lazy("Upload police.uk stop-and-search files"),
        allow_empty_file=True,  # refused in clean_files, by name
        error_messages={"required": SELECT_FILES, "invalid": SELECT_FILES},
    )

    def __init__(self, *args: Any, too_large: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large or []
        if self.too_large:
            # Dropped files are not in the form's files: none may be "missing" for that.
            self.fields["csv_files"].required = False

    def clean_csv_files(self) -> list[Any]:
        files: list[Any] = [f for f in self.cleaned_data["csv_files"] or [] if f]
        limit = _max_file_bytes()
        problems = [
            str(TOO_BIG) % {"name": _base_name(name), "limit": filesizeformat(limit)}
            for name in self.too_large
        ]
        if len(files) + len(self.too_large) > MAX_FILES:
            problems.append(str(TOO_MANY) % {"limit": MAX_FILES})
        for upload in files:
            name = _base_name(upload.name)
            if not name.lower().endswith(".csv"):
                problems.append(str(NOT_CSV) % {"name": name})
            elif not upload.size:
                problems.append(str(EMPTY_FILE) % {"name": name})
            elif upload.size > limit:
                problems.append(str(TOO_BIG) % {"name": name, "limit": filesizeformat(limit)})
        if problems:
            raise forms.ValidationError(problems)
        return files


def _base_name(name: str | None) -> str:
    """A file's name as the reader knows it, without any folder a browser sent with it."""
    return re.split(r"[\\/]", name or "")[-1]


class PoliceUkExportForm(_ForceForm):
    """A force's searches of one month, as a police.uk file."""

    month = forms.CharField(
        label=gettext_lazy("Month"),
        help_text=gettext_lazy("Year and month, for example 2019-09"),
        error_messages={"required": ENTER_MONTH},
    )

    def clean_month(self) -> date:
        match = MONTH.fullmatch(self.cleaned_data["month"].strip())
        if match is None or not 1 <= int(match["month"]) <= 12:
            raise forms.ValidationError(str(ENTER_MONTH))
        return date(int(match["year"]), int(match["month"]), 1)


def _error_items(form: forms.Form | None) -> list[dict[str, Any]]:
    """The error summary's lines, each linking to its field (a file input is not a govuk_field)."""
    if form is None or not form.is_bound:
        return []
    items = [{"href": "", "text": message} for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name in form.fields:
            items += [{"href": f"#{form[name].auto_id}", "text": message} for message in messages]
    return items


def _page(
    request: AuthenticatedRequest,
    *,
    upload: PoliceUkUploadForm,
    export: PoliceUkExportForm,
    failed: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "stop_search/upload.html",
        {
            "upload": upload,
            "export": export,
            "form": failed,  # the page title says "Error:" when it has failed
            "error_items": _error_items(failed),
            "max_file_size": filesizeformat(_max_file_bytes()),
        },
        status=status,
    )


@takes_files(max_files=MAX_FILES, max_file_bytes=_max_file_bytes)
@capability_required(IMPORT_POLICEUK)
@require_http_methods(["GET", "POST"])
def policeuk_upload(request: AuthenticatedRequest) -> HttpResponse:
    """Upload police.uk files; their import runs in the background (see the job's page)."""
    forces = policeuk_jobs.policeuk_forces_for(user=request.user)
    export = PoliceUkExportForm(forces=forces)
    if request.method != "POST":
        return _page(request, upload=PoliceUkUploadForm(forces=forces), export=export)
    upload = PoliceUkUploadForm(
        request.POST, request.FILES, forces=forces, too_large=files_too_large(request)
    )
    if upload.is_valid():
        try:
            job_id = policeuk_jobs.policeuk_job_start(
                actor=request.user,
                force=upload.cleaned_data["force"],
                files=upload.cleaned_data["csv_files"],
            )
        except ApplicationError as refused:
            upload.add_error("force", refused.message)
        else:
            return redirect("stop_search:policeuk_job", job_id=job_id)
    return _page(request, upload=upload, export=export, failed=upload, status=400)


def _file_line(entry: policeuk_jobs.JobFile) -> dict[str, Any]:
    size = entry["size"]
    share = min(100, entry["bytes_read"] * 100 // size) if size else 100
    return {
        **entry,
        "percent": 100 if entry["status"] == Status.IMPORTED else share,
        "rows_shown": f"{entry['rows']:,}",
        "replaced_shown": f"{entry['replaced']:,}",
        "read_shown": filesizeformat(entry["bytes_read"]),
        "size_shown": filesizeformat(size),
    }


@capability_required(IMPORT_POLICEUK)
@require_GET
def policeuk_job(request: AuthenticatedRequest, job_id: Any) -> HttpResponse:
    """How far the import has got; then what each file gave: searches, or every problem.

    While it runs, htmx asks for the progress part again every second (and a
    link does the same without JavaScript).
    """
    job = policeuk_jobs.policeuk_job_get_for_user(user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    files = [_file_line(entry) for entry in job["files"]]
    finished = job["status"] == Status.DONE
    size = sum(entry["size"] for entry in job["files"]) or 1
    unread = (Status.WAITING, Status.READING)
    read = sum(
        entry["bytes_read"] if entry["status"] in unread else entry["size"]
        for entry in job["files"]
    )
    context = {
        "job": job,
        "files": files,
        "finished": finished,
        "waiting": job["status"] == Status.WAITING,
        "not_started": policeuk_jobs.job_not_started(job),
        "percent": 100 if finished else min(99, read * 100 // size),
        "rows_read": f"{sum(entry['rows'] for entry in job['files']):,}",
        "read_shown": filesizeformat(read),
        "size_shown": filesizeformat(size),
        "imported": [line for line in files if line["status"] == Status.IMPORTED],
        "refused": [line for line in files if line["status"] in (Status.REFUSED, Status.FAILED)],
        "self_url": reverse("stop_search:policeuk_job", kwargs={"job_id": job["id"]}),
    }
    template = "stop_search/upload_job.html"
    if request.headers.get("HX-Request") == "true":
        template += "#progress"
    return render(request, template, context)


@capability_required(IMPORT_POLICEUK)
@require_POST
def policeuk_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """Download the force's searches of a month as a police.uk file (audited as a disclosure)."""
    forces = policeuk_jobs.policeuk_forces_for(user=request.user)
    export = PoliceUkExportForm(request.POST, forces=forces)
    if export.is_valid():
        force, month = export.cleaned_data["force"], export.cleaned_data["month"]
        try:
            lines = services.policeuk_export(actor=request.user, force=force, month=month)
        except ApplicationError as refused:
            export.add_error(None, refused.message)
        else:
            name = f"{policeuk.month_label(month)}-{force}-stop-and-search.csv"
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return _page(
        request,
        upload=PoliceUkUploadForm(forces=forces),
        export=export,
        failed=export,
        status=400,
    )
