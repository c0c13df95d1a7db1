"""Searches are now only those recorded in Pont; an import names its force (after 0009 moved
the imported searches out: on PostgreSQL the tables are altered in a transaction of their
own, after the rows deleted by 0009 have been checked)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("stop_search", "0009_published_search"),
    ]

    operations = [
        migrations.AlterField(
            model_name="policeukimport",
            name="controller",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="force",
            ),
        ),
        migrations.RemoveConstraint(model_name="search", name="search_import_only_for_policeuk"),
        migrations.RemoveConstraint(model_name="search", name="search_grounds_recorded"),
        migrations.RemoveField(model_name="search", name="source"),
        migrations.RemoveField(model_name="search", name="policeuk_import"),
        migrations.RemoveField(model_name="search", name="row_number"),
        migrations.AddConstraint(
            model_name="search",
            constraint=models.CheckConstraint(
                condition=~Q(grounds=""), name="search_grounds_recorded"
            ),
        ),
    ]
