"""The event's actor loses the index a foreign key gets by default: `audit_actor_time`
(actor, occurred_at) begins with the same column and serves every look-up by actor (the
check before a user could be deleted, PROTECT). One index fewer for every event written.

On SQLite the column is changed by rebuilding the table, which drops its triggers: they are
removed first and put back after, on both databases alike (as in 0003)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from pont.audit.maintenance import install_triggers, uninstall_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_hash_not_indexed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(uninstall_triggers, install_triggers),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
