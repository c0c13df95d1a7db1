"""The Welsh label of cocaine: "Cocên" (as the Welsh Government writes it), not the English
word the first reference data carried. A correction of wording, so made to the rows in place
(their dates unchanged); a row the administrator has already relabelled is left as it is."""

from django.db import migrations


def welsh_label(apps, schema_editor):
    substance = apps.get_model("drug_testing", "TestedSubstance")
    substance.objects.filter(code="cocaine", label_cy="Cocaine").update(label_cy="Cocên")


def english_word(apps, schema_editor):
    substance = apps.get_model("drug_testing", "TestedSubstance")
    substance.objects.filter(code="cocaine", label_cy="Cocên").update(label_cy="Cocaine")


class Migration(migrations.Migration):
    dependencies = [("drug_testing", "0002_reference_data")]

    operations = [migrations.RunPython(welsh_label, english_word)]
