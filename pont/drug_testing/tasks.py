"""Background jobs of Test on Arrest."""

from django_tasks import task


@task()
def build_evidence_pack(breach_id: str) -> str:
    """Assemble a new breach case's evidence pack, so it is ready when the officer opens it."""
    from .services import evidence_pack_build

    return evidence_pack_build(breach_id).evidence_pack_sha256
