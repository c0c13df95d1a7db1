"""police.uk files uploaded in the browser, imported in the background, with their progress.

An upload is a job: its files are kept in the default storage under the job's
id until the task worker has imported them (then deleted: what was imported is
in the database, with the file's SHA-256), and the job's state, its files'
progress and then their results, is kept in the cache under the job's id for a
day. No table holds it: the import writes its own records (`PoliceUkImport`,
the searches and the audit event), and a job is only what the upload page
shows while it runs and just after.

Each file is imported by `services.policeuk_import` as the uploader, in its own
transaction: it lands whole or not at all, and a file refused does not stop
the others. The page polls the state; the worker writes it every
PROGRESS_SECONDS as the file is read.

A job whose worker dies while reading (no progress written for STALLED_SECONDS)
is shown, and kept, as failed for the files not finished: nothing of them was
written. A job still waiting after NOT_STARTED_SECONDS is shown with a warning
that no worker seems to be running.

The cache and the storage must be shared by the web processes and the task
worker (a file-based cache and file storage on one machine, Redis and shared
storage on several): a process-local cache would show a job to one process
only.
"""

import logging
import re
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import Organisation, User
from pont.accounts.roles import IMPORT_POLICEUK
from pont.accounts.selectors import controller_ids_for
from pont.core.exceptions import ApplicationError

from . import policeuk, reading, services

logger = logging.getLogger(__name__)

JOB_SECONDS = 24 * 60 * 60  # how long a job's state is kept after its last change
PROGRESS_SECONDS = 0.5  # at most one progress write this often
UPLOADS = "policeuk-uploads"  # folder of the default storage for files waiting to be imported

IMPORT_FAILED = _(
    "The file could not be imported because of an error in Pont: nothing was imported from "
    "it. Try again; if it happens again, tell your system administrator."
)
JOB_LOST = _("The file was no longer waiting to be imported: upload it again.")
JOB_STOPPED = _(
    "The import stopped without finishing (the task worker stopped while reading it). "
    "Nothing of this file was written: a month is imported whole or not at all. Upload it "
    "again."
)
# The worker writes a reading job's state at least every PROGRESS_SECONDS while it reads and
# within seconds of the last row; a job silent for this long has lost its worker.
STALLED_SECONDS = 5 * 60
# A job waiting this long has no worker taking it: the page says so (it is not failed).
NOT_STARTED_SECONDS = 10 * 60


class Status:
    """Of a job and of each of its files."""

    WAITING = "waiting"  # not started yet
    READING = "reading"  # a file being imported; a job with files being imported
    IMPORTED = "imported"
    REFUSED = "refused"  # the file was refused; nothing of it was written
    FAILED = "failed"  # an error in Pont, not in the file; nothing of it was written
    DONE = "done"  # a job: every file imported or refused


class JobFile(TypedDict):
    name: str  # as uploaded: its police.uk name says the force and month
    stored: str  # name in the default storage ("" once deleted)
    size: int
    status: str
    rows: int  # searches read so far; when imported, written
    bytes_read: int
    replaced: int
    force: str
    month: str  # YYYY-MM
    message: str
    errors: list[dict[str, Any]]  # row, field, reason


class Job(TypedDict):
    id: str
    controller_id: int
    user_id: int
    force: str  # police.uk force id, given for files whose name does not say it
    language: str  # the uploader's, for the problems the import names
    created_at: str
    updated_at: str  # when the state was last written
    status: str
    files: list[JobFile]


def _key(job_id: str) -> str:
    return f"stop_search:policeuk-job:{job_id}"


def _save(job: Job) -> None:
    job["updated_at"] = timezone.now().isoformat()
    cache.set(_key(job["id"]), job, JOB_SECONDS)


def _silent_for(job: Job) -> float:
    """Seconds since the job's state was last written."""
    written = datetime.fromisoformat(job.get("updated_at") or job["created_at"])
    return (timezone.now() - written).total_seconds()


def _settle_stalled(job: Job) -> Job:
    """A job reading a file whose worker has gone silent: its unfinished files failed (nothing
    of them was written: each import is one transaction) and the job done, kept so."""
    if job["status"] != Status.READING or _silent_for(job) < STALLED_SECONDS:
        return job
    logger.warning(
        "police.uk upload %s: no progress for %ss, marked failed", job["id"], STALLED_SECONDS
    )
    for entry in job["files"]:
        if entry["status"] in (Status.WAITING, Status.READING):
            entry["status"], entry["message"] = Status.FAILED, str(JOB_STOPPED)
    job["status"] = Status.DONE
    _save(job)
    return job


def job_not_started(job: Job) -> bool:
    """Whether the job has waited so long for a worker that one is probably not running."""
    return job["status"] == Status.WAITING and _silent_for(job) >= NOT_STARTED_SECONDS


def _load(job_id: str) -> Job | None:
    job: Job | None = cache.get(_key(job_id))
    return job


def policeuk_forces_for(*, user: User) -> list[tuple[str, Organisation]]:
    """The forces whose police.uk data the user may import and export, with their police.uk id.

    The id is the one `services.POLICEUK_FORCES` (and the setting of the same
    name) gives the force's Organisation, else its slug.
    """
    if not user.has_perm(IMPORT_POLICEUK):
        return []
    slugs = {**services.POLICEUK_FORCES, **getattr(settings, "POLICEUK_FORCES", {})}
    ids = {slug: force_id for force_id, slug in slugs.items()}
    forces = Organisation.objects.filter(
        pk__in=controller_ids_for(user=user), kind=Organisation.Kind.FORCE
    ).order_by("name")
    return [(ids.get(force.slug, force.slug), force) for force in forces]


def policeuk_job_create(*, actor: User, force: str, files: Iterable[UploadedFile]) -> str:
    """Keep the files and a new job waiting to import them; return the job's id.

    `force` is a police.uk force id of the actor's (see `policeuk_forces_for`).
    """
    forces = dict(policeuk_forces_for(user=actor))
    if force not in forces:
        raise ApplicationError(str(services.NOT_YOUR_FORCE), status=403)
    job_id = str(uuid.uuid4())
    entries: list[JobFile] = []
    for index, upload in enumerate(files, start=1):
        # The stored name is Pont's own: the uploaded name is only kept, never used as a path.
        stored = default_storage.save(f"{UPLOADS}/{job_id}/{index}.csv", upload)
        entries.append(
            JobFile(
                name=re.split(r"[\\/]", upload.name or "")[-1][:255],
                stored=stored,
                size=upload.size or 0,
                status=Status.WAITING,
                rows=0,
                bytes_read=0,
                replaced=0,
                force="",
                month="",
                message="",
                errors=[],
            )
        )
    _save(
        Job(
            id=job_id,
            controller_id=forces[force].pk,
            user_id=actor.pk,
            force=force,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            created_at=timezone.now().isoformat(),
            updated_at=timezone.now().isoformat(),
            status=Status.WAITING,
            files=entries,
        )
    )
    return job_id


def policeuk_job_start(*, actor: User, force: str, files: Iterable[UploadedFile]) -> str:
    """Create the job and queue its import for the task worker; return the job's id."""
    from .tasks import import_policeuk_upload

    job_id = policeuk_job_create(actor=actor, force=force, files=files)
    import_policeuk_upload.enqueue(job_id)
    return job_id


def policeuk_job_get_for_user(*, user: User, job_id: Any) -> Job | None:
    """Return the job if the user may see it (an importer of its force), else None."""
    if not user.has_perm(IMPORT_POLICEUK):
        return None
    job = _load(str(job_id))
    if job is None or job["controller_id"] not in controller_ids_for(user=user):
        return None
    return _settle_stalled(job)


def policeuk_job_run(job_id: str) -> dict[str, Any]:
    """Import each file of the job, as its uploader, recording progress and results.

    Returns a summary for the task's result: each file's status and rows.
    """
    job = _load(job_id)
    if job is None:
        logger.warning("police.uk upload %s: no such job (expired?)", job_id)
        return {"job": job_id, "status": "missing"}
    user = User.objects.filter(pk=job["user_id"]).first()
    job["status"] = Status.READING
    _save(job)
    with translation.override(job["language"]):
        for entry in job["files"]:
            if entry["status"] in (Status.IMPORTED, Status.REFUSED, Status.FAILED):
                continue  # the job run again (a worker's retry): its results stand
            _import_file(job, entry, user)
    job["status"] = Status.DONE
    _save(job)
    return {
        "job": job_id,
        "status": job["status"],
        "files": [
            {"name": entry["name"], "status": entry["status"], "rows": entry["rows"]}
            for entry in job["files"]
        ],
    }


def _import_file(job: Job, entry: JobFile, user: User | None) -> None:
    entry["status"] = Status.READING
    _save(job)
    last = 0.0

    def progress(rows: int, bytes_read: int) -> None:
        nonlocal last
        entry["rows"], entry["bytes_read"] = rows, bytes_read
        if time.monotonic() - last >= PROGRESS_SECONDS:
            last = time.monotonic()
            _save(job)

    try:
        if user is None or not entry["stored"] or not default_storage.exists(entry["stored"]):
            raise ApplicationError(str(JOB_LOST))
        with default_storage.open(entry["stored"], "rb") as stream:
            result = services.policeuk_import(
                actor=user,
                force=job["force"],
                file_name=entry["name"],
                stream=stream,
                on_progress=progress,
            )
    except services.PoliceUkImportError as refused:
        entry["status"], entry["message"] = Status.REFUSED, refused.message
        entry["errors"] = [error.as_dict() for error in refused.errors]
    except reading.ReadingFailed as failed:  # not the file's fault (the reason is logged)
        entry["status"], entry["message"] = Status.FAILED, failed.message
    except ApplicationError as refused:
        entry["status"], entry["message"] = Status.REFUSED, refused.message
    except Exception:
        # Not the file's fault: say so, keep the details for the administrator, go on.
        logger.exception("police.uk upload %s: importing %s failed", job["id"], entry["name"])
        entry["status"], entry["message"] = Status.FAILED, str(IMPORT_FAILED)
    else:
        record = result.policeuk_import
        entry["status"], entry["rows"], entry["replaced"] = (
            Status.IMPORTED,
            result.rows,
            result.replaced,
        )
        entry["bytes_read"] = entry["size"]
        entry["force"], entry["month"] = record.force, policeuk.month_label(record.month)
    finally:
        if entry["stored"]:
            default_storage.delete(entry["stored"])
            entry["stored"] = ""
    _save(job)
