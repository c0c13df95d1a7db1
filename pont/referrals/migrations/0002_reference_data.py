"""Load the closure reasons (WNDSM) and the referral time limits (reference data)."""

from datetime import date

from django.db import migrations

WNDSM = (
    "Welsh National Database for Substance Misuse (WNDSM) data set, case closure reasons "
    "(DHCW); verify the full list against the current data dictionary"
)
KPI = "Welsh Government substance misuse KPI: referral to treatment start within 20 working days"
LOCAL = "Pont referral protocol between Dyfed-Powys Police and its treatment providers (local)"

# (code, English, Welsh, planned, order)
CLOSURE_REASONS = [
    (
        "planned_substance_free",
        "Planned closure: treatment complete, substance free",
        "Cau wedi'i gynllunio: triniaeth wedi'i chwblhau, yn rhydd o sylweddau",
        True,
        10,
    ),
    (
        "planned_complete",
        "Planned closure: treatment complete",
        "Cau wedi'i gynllunio: triniaeth wedi'i chwblhau",
        True,
        20,
    ),
    (
        "planned_referred_on",
        "Planned closure: referred to another service",
        "Cau wedi'i gynllunio: atgyfeiriwyd at wasanaeth arall",
        True,
        30,
    ),
    (
        "planned_gp_prescribing",
        "Planned closure: moved to GP-led prescribing",
        "Cau wedi'i gynllunio: symud i bresgripsiynu dan arweiniad meddyg teulu",
        True,
        40,
    ),
    (
        "withdrawn_by_provider",
        "Treatment withdrawn by provider",
        "Triniaeth wedi'i thynnu'n ôl gan y darparwr",
        False,
        50,
    ),
    ("closed_at_centre", "Closed at centre", "Wedi'i gau yn y ganolfan", False, 60),
    (
        "dna_before_assessment",
        "Did not attend before assessment",
        "Heb fynychu cyn yr asesiad",
        False,
        70,
    ),
    (
        "dna_before_treatment",
        "Did not attend before treatment",
        "Heb fynychu cyn y driniaeth",
        False,
        80,
    ),
    (
        "dna_during_treatment",
        "Did not attend during treatment",
        "Heb fynychu yn ystod y driniaeth",
        False,
        90,
    ),
    ("inappropriate_referral", "Inappropriate referral", "Atgyfeiriad amhriodol", False, 100),
    (
        "client_unaware",
        "Client unaware of referral",
        "Nid oedd y cleient yn gwybod am yr atgyfeiriad",
        False,
        110,
    ),
    ("client_declined", "Client declined treatment", "Gwrthododd y cleient driniaeth", False, 120),
    ("no_information", "No information supplied", "Dim gwybodaeth wedi'i rhoi", False, 130),
]

# (code, English, Welsh, working days, source)
TIME_LIMITS = [
    ("accepted", "Accepted or rejected", "Wedi'i dderbyn neu ei wrthod", 1, LOCAL),
    (
        "first_contact_attempt",
        "First attempt to contact the person",
        "Ymgais gyntaf i gysylltu â'r person",
        2,
        LOCAL,
    ),
    ("treatment_start", "Treatment started", "Triniaeth wedi dechrau", 20, KPI),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    reason = apps.get_model("referrals", "ClosureReason")
    for code, label_en, label_cy, planned, order in CLOSURE_REASONS:
        reason.objects.update_or_create(
            code=code,
            effective_from=date(2019, 4, 1),
            defaults={
                "label_en": label_en,
                "label_cy": label_cy,
                "planned": planned,
                "source": WNDSM,
                "sort_order": order,
            },
        )
    sla = apps.get_model("referrals", "ReferralSla")
    for order, (code, label_en, label_cy, days, source) in enumerate(TIME_LIMITS):
        sla.objects.update_or_create(
            code=code,
            effective_from=date(2019, 4, 1),
            defaults={
                "label_en": label_en,
                "label_cy": label_cy,
                "working_days": days,
                "source": source,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
