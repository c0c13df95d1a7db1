"""Background jobs of stop and search."""

from typing import Any

from django_tasks import task


@task()
def import_policeuk_upload(job_id: str) -> dict[str, Any]:
    """Import the police.uk files of an upload, one transaction each, recording progress."""
    from .policeuk_jobs import policeuk_job_run

    return policeuk_job_run(job_id)
