"""Migration 0009: the searches imported before it move to `PublishedSearch`, in their file's
order, their import gets its force, and the searches recorded in Pont stay where they are."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pont.testing.database import migrate, migrate_to_latest

BEFORE = [("stop_search", "0008_search_partial_indexes")]
AFTER = [("stop_search", "0010_search_recorded_only")]


def _force_and_import(apps, *, rows: int):  # noqa: ANN001, ANN202
    """A force and its import of September 2019, in the historical models of `apps`."""
    organisation = apps.get_model("accounts", "Organisation").objects.create(
        name="Dyfed-Powys Police", slug="migration-force", kind="force"
    )
    record = apps.get_model("stop_search", "PoliceUkImport").objects.create(
        force="dyfed-powys",
        month=date(2019, 9, 1),
        file_name="2019-09-dyfed-powys-stop-and-search.csv",
        sha256="0" * 64,
        rows=rows,
        imported_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return organisation, record


def test_imported_searches_move_to_the_published_table_and_recorded_ones_stay(audit_flushable):
    apps = migrate(BEFORE)
    try:
        organisation, record = _force_and_import(apps, rows=3)
        search = apps.get_model("stop_search", "Search")
        common = {
            "controller": organisation,
            "search_type": "person",
            "local_date": date(2019, 9, 2),
            "self_defined_ethnicity": "white_british",
        }
        for row, outcome in ((4, "arrest"), (2, "no_further_action"), (3, "arrest")):
            search.objects.create(
                source="policeuk",
                policeuk_import=record,
                row_number=row,
                occurred_at=datetime(2019, 9, row, 10, tzinfo=UTC),
                outcome=outcome,
                outcome_at_search=outcome,
                **common,
            )
        recorded = search.objects.create(
            source="recorded",
            occurred_at=datetime(2019, 9, 5, 10, tzinfo=UTC),
            grounds="Smelt of cannabis.",
            outcome="arrest",
            **common,
        )

        apps = migrate(AFTER)

        published = apps.get_model("stop_search", "PublishedSearch").objects.order_by("pk")
        assert [(p.occurred_at.day, p.outcome) for p in published] == [
            (2, "no_further_action"),
            (3, "arrest"),
            (4, "arrest"),
        ]  # in the file's order
        assert {p.policeuk_import_id for p in published} == {record.pk}
        moved = apps.get_model("stop_search", "PoliceUkImport").objects.get(pk=record.pk)
        assert moved.controller_id == organisation.pk
        assert list(
            apps.get_model("stop_search", "Search").objects.values_list("pk", flat=True)
        ) == [recorded.pk]
    finally:
        migrate_to_latest()


def test_an_imported_search_in_an_audit_sample_stops_the_migration_changing_nothing(
    audit_flushable,
):
    apps = migrate(BEFORE)
    sample_model = apps.get_model("stop_search", "AuditSample")
    try:
        organisation, record = _force_and_import(apps, rows=1)
        imported = apps.get_model("stop_search", "Search").objects.create(
            controller=organisation,
            source="policeuk",
            policeuk_import=record,
            row_number=2,
            search_type="person",
            occurred_at=datetime(2019, 9, 2, 10, tzinfo=UTC),
            local_date=date(2019, 9, 2),
        )
        sample = sample_model.objects.create(
            controller=organisation,
            month=date(2019, 9, 1),
            share_percent=25,
            seed="0" * 32,
            population=1,
            population_sha256="0" * 64,
            strata=1,
            drawn_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        apps.get_model("stop_search", "SampledSearch").objects.create(
            sample=sample, search=imported, reason="random"
        )

        with pytest.raises(RuntimeError, match="audit sample"):
            migrate(AFTER)

        apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        still = apps.get_model("stop_search", "Search").objects.get(pk=imported.pk)
        assert still.source == "policeuk"
        assert "stop_search_publishedsearch" not in connection.introspection.table_names()
    finally:
        sample_model.objects.all().delete()
        migrate_to_latest()
