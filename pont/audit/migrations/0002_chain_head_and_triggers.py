"""Create the chain head row and the triggers that make the audit tables append-only."""

from django.db import migrations

from pont.audit.maintenance import install_triggers, uninstall_triggers


def create_head(apps, schema_editor):  # type: ignore[no-untyped-def]
    head = apps.get_model("audit", "AuditChainHead")
    head.objects.get_or_create(pk=1, defaults={"sequence": 0, "hash": "0" * 64})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, uninstall_triggers),
    ]
