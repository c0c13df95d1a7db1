"""The event's organisation loses the index its foreign key had by default: nothing searches
the log by organisation, and the only look-up by it, the check before an organisation is
deleted (PROTECT), does not happen (Pont deletes none). One index fewer for every event.

On SQLite the column is changed by rebuilding the table, which drops its triggers: they are
removed first and put back after, on both databases alike (as in 0003 and 0004)."""

import django.db.models.deletion
from django.db import migrations, models

from pont.audit.maintenance import install_triggers, uninstall_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audit", "0005_actor_searched_by_label"),
    ]

    operations = [
        migrations.RunPython(uninstall_triggers, install_triggers),
        migrations.AlterField(
            model_name="auditevent",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
