from django.db import migrations, models


def _later_notices_gave_more_time(apps, schema_editor):
    """Before this field, a disposal's only later notices were those given with more time."""
    DisposalNotice = apps.get_model("disposals", "DisposalNotice")
    first: dict[int, int] = {}
    for pk, disposal_id in DisposalNotice.objects.order_by("issued_at", "pk").values_list(
        "pk", "disposal_id"
    ):
        first.setdefault(disposal_id, pk)
    DisposalNotice.objects.exclude(pk__in=list(first.values())).update(occasion="more_time")


class Migration(migrations.Migration):
    dependencies = [
        ("disposals", "0004_attendance_corrected"),
    ]

    operations = [
        migrations.AddField(
            model_name="disposalnotice",
            name="occasion",
            field=models.CharField(
                choices=[
                    ("issue", "At issue"),
                    ("more_time", "With more time"),
                    ("new_service", "A condition sent to another service"),
                ],
                default="issue",
                max_length=12,
                verbose_name="occasion",
            ),
        ),
        migrations.RunPython(_later_notices_gave_more_time, migrations.RunPython.noop),
    ]
