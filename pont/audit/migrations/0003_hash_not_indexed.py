"""The event's hash loses its unique index: nothing looks an event up by its hash, and the
chain is kept whole by the unique index on `sequence` and by `pont audit verify`, not by
this one. It cost every audited request a random insert into a large index (a page of
twenty referrals: about half of the commit's work on SQLite).

On SQLite the column is changed by rebuilding the table, which drops its triggers: they are
removed first and put back after, on both databases alike."""

from django.db import migrations, models

from pont.audit.maintenance import install_triggers, uninstall_triggers


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head_and_triggers")]

    operations = [
        migrations.RunPython(uninstall_triggers, install_triggers),
        migrations.AlterField(
            model_name="auditevent", name="hash", field=models.CharField(max_length=64)
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
