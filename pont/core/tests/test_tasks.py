"""The periodic job really runs: the scheduler enqueues it, the database worker executes it."""

from datetime import date
from unittest import mock

import pytest
from django.core.management import call_command

from pont.audit.models import AuditCheckpoint
from pont.people import services as people
from pont.testing.personas import CUSTODY


def _some_audit_events(world):
    people.person_create(
        actor=world.users[CUSTODY],
        given_name="Task",
        family_name="Subject",
        date_of_birth=date(1980, 1, 2),
        gender="male",
        confirmed_new=True,
    )


def test_the_scheduler_enqueues_each_periodic_job(world, capsys):
    _some_audit_events(world)
    call_command("scheduler", "--once")
    assert "enqueued pont.audit.tasks.audit_checkpoint_write" in capsys.readouterr().out
    # Test settings run tasks inline, so the checkpoint already exists.
    assert AuditCheckpoint.objects.count() == 1


def test_the_database_worker_runs_the_checkpoint_job(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from pont.audit.tasks import audit_checkpoint_write

    _some_audit_events(world)
    try:
        result = audit_checkpoint_write.using(backend="default").enqueue()
        assert AuditCheckpoint.objects.count() == 0  # queued, not yet run
        # The worker drops database connections between tasks; inside this test's
        # transaction that would end the transaction, so keep the connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert AuditCheckpoint.objects.count() == 1
        assert result.return_value == AuditCheckpoint.objects.get().sequence
    finally:
        settings.TASKS = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }


@pytest.mark.parametrize(
    "bad", [[("no.such.task", 60)], [("pont.audit.tasks.audit_checkpoint_write", 0)]]
)
def test_the_scheduler_refuses_a_bad_schedule(settings, bad):
    from django.core.management.base import CommandError

    settings.PONT_SCHEDULE = bad
    with pytest.raises(CommandError):
        call_command("scheduler", "--once")
