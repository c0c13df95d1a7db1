"""Searches imported from police.uk move to their own lean table, `PublishedSearch` (ADR 0005).

Each import's searches are copied, in their file's order (the range of keys
they get is kept on the import), then deleted from `Search`, which from now on holds only the searches recorded in Pont (its
`source`, `policeuk_import` and `row_number` go). An import now names its force
(`controller`), taken from its searches. The figures (`SearchTally`) are
unchanged: the same searches count in the same force-months.

A published search cannot be sampled, amended or put before a panel, so the
migration stops, changing nothing, if an imported search is in an audit sample,
a panel session or has an amendment; such a database (only ever a demo's) has
to be made again (`make run` after removing var/).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Max, Min

import pont.stop_search.models

COPIED = (
    "search_type",
    "occurred_at",
    "part_of_operation",
    "operation_name",
    "latitude",
    "longitude",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked",
    "removal_more_than_outer_clothing",
)
IN_USE = (
    "Imported police.uk searches are in an audit sample, a panel session or have an amended "
    "outcome; published searches cannot be (docs/adr/0005-published-searches-table.md). "
    "Nothing was changed. Only a demo database can hold these: remove it and load the demo "
    "again."
)


def move_imported_searches(apps, schema_editor):  # noqa: ANN001, ANN201
    search_model = apps.get_model("stop_search", "Search")
    published_model = apps.get_model("stop_search", "PublishedSearch")
    import_model = apps.get_model("stop_search", "PoliceUkImport")
    imported = search_model.objects.filter(source="policeuk")
    for name in ("SampledSearch", "PanelCase", "OutcomeAmendment"):
        if apps.get_model("stop_search", name).objects.filter(search__in=imported).exists():
            raise RuntimeError(IN_USE)
    for record in import_model.objects.order_by("pk"):
        searches = imported.filter(policeuk_import=record)
        controller_id = searches.values_list("controller_id", flat=True).first()
        if controller_id is None:  # an import with no searches: nothing to keep
            record.delete()
            continue
        record.controller_id = controller_id
        record.save(update_fields=["controller"])
        batch = []
        for values in searches.order_by("row_number", "pk").values(*COPIED).iterator(2000):
            batch.append(published_model(policeuk_import=record, **values))
            if len(batch) == 2000:
                published_model.objects.bulk_create(batch)
                batch = []
        published_model.objects.bulk_create(batch)
        keys = published_model.objects.filter(policeuk_import=record).aggregate(
            first=Min("id"), last=Max("id")
        )
        record.first_search_id, record.last_search_id = keys["first"], keys["last"]
        record.save(update_fields=["first_search_id", "last_search_id"])
        searches.delete()


def refuse_to_move_back(apps, schema_editor):  # noqa: ANN001, ANN201
    """Going back would drop the published searches with their table: only an empty one goes."""
    if apps.get_model("stop_search", "PublishedSearch").objects.exists():
        raise RuntimeError(
            "Published searches would be lost: import their police.uk files again after "
            "going back, having emptied the table, if that is what is wanted."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("stop_search", "0008_search_partial_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublishedSearch",
            fields=[
                ("id", pont.stop_search.models.RowIdField(primary_key=True, serialize=False)),
                (
                    "search_type",
                    models.CharField(
                        choices=[
                            ("person", "Person search"),
                            ("vehicle", "Vehicle search"),
                            ("person_and_vehicle", "Person and vehicle search"),
                        ],
                        max_length=20,
                        verbose_name="type",
                    ),
                ),
                ("occurred_at", models.DateTimeField(verbose_name="date and time")),
                (
                    "part_of_operation",
                    models.BooleanField(null=True, verbose_name="part of a policing operation"),
                ),
                (
                    "operation_name",
                    models.CharField(blank=True, max_length=200, verbose_name="policing operation"),
                ),
                (
                    "latitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=9,
                        null=True,
                        verbose_name="latitude",
                    ),
                ),
                (
                    "longitude",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=9,
                        null=True,
                        verbose_name="longitude",
                    ),
                ),
                (
                    "gender",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not recorded"),
                            ("male", "Male"),
                            ("female", "Female"),
                            ("other", "Other"),
                        ],
                        max_length=6,
                        verbose_name="gender",
                    ),
                ),
                (
                    "age_range",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not recorded"),
                            ("under_10", "under 10"),
                            ("10_17", "10-17"),
                            ("18_24", "18-24"),
                            ("25_34", "25-34"),
                            ("over_34", "over 34"),
                        ],
                        max_length=8,
                        verbose_name="age range",
                    ),
                ),
                (
                    "self_defined_ethnicity",
                    models.CharField(
                        blank=True, max_length=64, verbose_name="self-defined ethnicity"
                    ),
                ),
                (
                    "officer_defined_ethnicity",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Not recorded"),
                            ("white", "White"),
                            ("black", "Black"),
                            ("asian", "Asian"),
                            ("mixed", "Mixed"),
                            ("other", "Other"),
                        ],
                        max_length=6,
                        verbose_name="officer-defined ethnicity",
                    ),
                ),
                (
                    "legislation",
                    models.CharField(blank=True, max_length=64, verbose_name="legislation"),
                ),
                (
                    "object_of_search",
                    models.CharField(blank=True, max_length=64, verbose_name="object of search"),
                ),
                ("outcome", models.CharField(blank=True, max_length=64, verbose_name="outcome")),
                (
                    "outcome_linked",
                    models.BooleanField(
                        null=True, verbose_name="outcome linked to the object of search"
                    ),
                ),
                (
                    "removal_more_than_outer_clothing",
                    models.BooleanField(
                        null=True, verbose_name="removal of more than outer clothing"
                    ),
                ),
                (
                    "policeuk_import",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="searches",
                        to="stop_search.policeukimport",
                    ),
                ),
            ],
            options={
                "verbose_name": "published search",
                "verbose_name_plural": "published searches",
                "default_permissions": (),
            },
        ),
        migrations.AddField(
            model_name="policeukimport",
            name="controller",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="force",
            ),
        ),
        migrations.AddField(
            model_name="policeukimport",
            name="first_search_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="policeukimport",
            name="last_search_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(move_imported_searches, refuse_to_move_back, elidable=False),
    ]
