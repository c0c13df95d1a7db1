"""Load the needs that the officers' directory search offers (reference data)."""

from datetime import date

from django.db import migrations

SOURCE = "Pont directory needs, version 1 (local taxonomy agreed with the Area Planning Boards)"

NEEDS = [
    ("drugs", "Drugs", "Cyffuriau", 10),
    ("alcohol", "Alcohol", "Alcohol", 20),
    ("young_people", "Young people", "Pobl ifanc", 30),
    ("families", "Families and carers", "Teuluoedd a gofalwyr", 40),
    ("housing", "Housing", "Tai", 50),
    ("mental_health", "Mental health", "Iechyd meddwl", 60),
    (
        "harm_reduction",
        "Harm reduction (naloxone, needle exchange)",
        "Lleihau niwed (naloxone, cyfnewid nodwyddau)",
        70,
    ),
    ("criminal_justice", "Criminal justice", "Cyfiawnder troseddol", 80),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    need = apps.get_model("directory", "NeedCategory")
    for code, label_en, label_cy, order in NEEDS:
        need.objects.update_or_create(
            code=code,
            effective_from=date(2019, 4, 1),
            defaults={
                "label_en": label_en,
                "label_cy": label_cy,
                "source": SOURCE,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
