"""Load the disposal schemes, offences, gravity factors, condition types and crime outcomes.

Each row cites its source; where the domain reference says "verify", so does
the source, and an administrator checks it (Reference data pages). The 2017
non-statutory two-tier framework applies from the force's adoption of it
with the Pathfinder launch on 1 November 2019. The statutory framework (PCSC
Act 2022 Part 6) is not loaded here: its commencement date is for the force to
give, with `pont disposals-statutory-framework --from DATE`, which ends the
2017 disposals the day before and opens the statutory ones.

The offences' gravity scores are Pont's demonstration values in the shape of
the adult gravity matrix (ACPO, 2013); the force loads its own matrix.
"""

from datetime import date

from django.db import migrations

ADOPTED = date(2019, 11, 1)
STRATEGY = (
    "NPCC, Charging and Out of Court Disposals: A National Strategy 2017-2021, Annex B; "
    "adopted by Dyfed-Powys Police on 1 November 2019 (PCC progress report, 2019)"
)
MATRIX = (
    "Pont demonstration value in the form of the adult gravity matrix (ACPO, 2013): "
    "verify against the force's current matrix"
)
CATALOGUE = "Criminal Justice Act 2003 Part 3 and its Code of Practice (2013); NPCC strategy 2017"
HOCR = "Home Office Counting Rules, crime outcome types (verify numbering against the current HOCR)"
INDICTABLE = (
    "indictable only: needs exceptional circumstances and the prosecutor's consent "
    "(PCSC Act 2022 s.99(3))"
)

# code, English, Welsh, tier, on breach, needs admission, fewest conditions, categories,
# crime outcome, statutory basis
SCHEMES = [
    (
        "community_resolution",
        "Community Resolution",
        "Datrys Cymunedol",
        "lower",
        "none",
        True,
        0,
        "rehabilitative,reparative",
        "8",
        "",
    ),
    (
        "conditional_caution",
        "Conditional Caution",
        "Rhybudd Amodol",
        "upper",
        "prosecution",
        True,
        1,
        "rehabilitative,reparative,punitive",
        "3",
        "Criminal Justice Act 2003 ss.22-23 (conditions of a conditional caution, agreed by "
        "the person)",
    ),
    (
        "outcome_22",
        "Deferred prosecution: diversionary activity (Outcome 22)",
        "Erlyniad gohiriedig: gweithgaredd dargyfeiriol (Canlyniad 22)",
        "diversion",
        "prosecution",
        False,
        1,
        "rehabilitative",
        "22",
        "",
    ),
]

# code, English, Welsh, group, gravity, exclusion
OFFENCES = [
    (
        "possession_class_a",
        "Possession of a controlled drug (Class A)",
        "Meddu ar gyffur a reolir (Dosbarth A)",
        "drugs",
        2,
        "",
    ),
    (
        "possession_class_b",
        "Possession of a controlled drug (Class B)",
        "Meddu ar gyffur a reolir (Dosbarth B)",
        "drugs",
        1,
        "",
    ),
    (
        "possession_class_c",
        "Possession of a controlled drug (Class C)",
        "Meddu ar gyffur a reolir (Dosbarth C)",
        "drugs",
        1,
        "",
    ),
    (
        "supply_class_a",
        "Supplying a controlled drug (Class A)",
        "Cyflenwi cyffur a reolir (Dosbarth A)",
        "drugs",
        4,
        "",
    ),
    ("shop_theft", "Theft from a shop", "Dwyn o siop", "theft", 1, ""),
    ("theft", "Theft (other than from a shop)", "Lladrad (heblaw o siop)", "theft", 2, ""),
    ("handling", "Handling stolen goods", "Trin nwyddau wedi'u dwyn", "theft", 2, ""),
    (
        "criminal_damage",
        "Criminal damage (under £5,000)",
        "Difrod troseddol (dan £5,000)",
        "criminal_damage",
        2,
        "",
    ),
    ("drunk_disorderly", "Drunk and disorderly", "Meddw ac afreolus", "public_order", 1, ""),
    (
        "harassment_alarm_distress",
        "Harassment, alarm or distress (Public Order Act 1986 s.5)",
        "Aflonyddu, braw neu ofid (Deddf Trefn Gyhoeddus 1986 a.5)",
        "public_order",
        1,
        "",
    ),
    (
        "intentional_harassment",
        "Intentional harassment, alarm or distress (s.4A)",
        "Aflonyddu, braw neu ofid bwriadol (a.4A)",
        "public_order",
        2,
        "",
    ),
    ("common_assault", "Common assault", "Ymosodiad cyffredin", "violence", 2, ""),
    (
        "actual_bodily_harm",
        "Assault occasioning actual bodily harm",
        "Ymosodiad yn achosi niwed corfforol gwirioneddol",
        "violence",
        3,
        "",
    ),
    ("robbery", "Robbery", "Lladrata", "violence", 4, INDICTABLE),
]

# code, English, Welsh, direction
FACTORS = [
    ("weapon", "A weapon was used or carried", "Defnyddiwyd neu cariwyd arf", 1),
    (
        "vulnerable_victim",
        "The victim was vulnerable or targeted",
        "Roedd y dioddefwr yn agored i niwed neu wedi'i dargedu",
        1,
    ),
    ("relevant_previous", "Relevant previous offending", "Troseddu blaenorol perthnasol", 1),
    (
        "on_bail",
        "Committed on bail or under a court order",
        "Wedi'i chyflawni ar fechnïaeth neu dan orchymyn llys",
        1,
    ),
    ("group", "Committed in a group", "Wedi'i chyflawni mewn grŵp", 1),
    ("minor_role", "A minor role in the offence", "Rhan fach yn y drosedd", -1),
    (
        "genuine_remorse",
        "Genuine remorse and reparation offered",
        "Edifeirwch gwirioneddol ac iawn wedi'i gynnig",
        -1,
    ),
    ("provocation", "Provocation", "Cythrudd", -1),
    (
        "single_small_amount",
        "A single, small amount for personal use",
        "Swm bach, unigol at ddefnydd personol",
        -1,
    ),
]

# code, English, Welsh, category, completes on, need, most hours, takes amount, working days
CONDITIONS = [
    (
        "drug_assessment",
        "Attend a drug assessment",
        "Mynychu asesiad cyffuriau",
        "rehabilitative",
        "attended",
        "drugs",
        None,
        False,
        10,
    ),
    (
        "alcohol_assessment",
        "Attend an alcohol assessment",
        "Mynychu asesiad alcohol",
        "rehabilitative",
        "attended",
        "alcohol",
        None,
        False,
        10,
    ),
    (
        "drug_awareness_course",
        "Complete a drug awareness course",
        "Cwblhau cwrs ymwybyddiaeth cyffuriau",
        "rehabilitative",
        "completed",
        "drugs",
        None,
        False,
        30,
    ),
    (
        "apology",
        "Apologise to the victim (in writing or in person)",
        "Ymddiheuro i'r dioddefwr (yn ysgrifenedig neu wyneb yn wyneb)",
        "reparative",
        "officer",
        "",
        None,
        False,
        10,
    ),
    (
        "compensation",
        "Pay compensation to the victim",
        "Talu iawndal i'r dioddefwr",
        "reparative",
        "officer",
        "",
        None,
        True,
        20,
    ),
    (
        "repair",
        "Repair or pay for the damage",
        "Trwsio'r difrod neu dalu amdano",
        "reparative",
        "officer",
        "",
        None,
        False,
        20,
    ),
    (
        "financial_penalty",
        "Pay a financial penalty",
        "Talu cosb ariannol",
        "punitive",
        "officer",
        "",
        None,
        True,
        20,
    ),
    (
        "no_contact",
        "No contact with a named person",
        "Dim cysylltiad â pherson a enwir",
        "restrictive",
        "officer",
        "",
        None,
        False,
        60,
    ),
    (
        "exclusion",
        "Keep out of a named place",
        "Cadw draw o le a enwir",
        "restrictive",
        "officer",
        "",
        None,
        False,
        60,
    ),
    ("unpaid_work", "Unpaid work", "Gwaith di-dâl", "unpaid_work", "officer", "", 20, False, 40),
    (
        "attendance",
        "Attend at a specified place and time",
        "Mynychu lle ac amser penodedig",
        "attendance",
        "officer",
        "",
        None,
        False,
        40,
    ),
]

# code, English, Welsh
OUTCOMES = [
    ("1", "Charged or summonsed", "Cyhuddo neu wŷs"),
    ("1A", "Alternative offence charged", "Cyhuddo am drosedd amgen"),
    ("2", "Caution: youths", "Rhybudd: pobl ifanc"),
    ("3", "Caution: adults", "Rhybudd: oedolion"),
    ("4", "Taken into consideration", "Wedi'i hystyried"),
    ("5", "Offender died", "Bu farw'r troseddwr"),
    ("6", "Penalty Notice for Disorder", "Hysbysiad Cosb am Anhrefn"),
    ("7", "Cannabis or khat warning", "Rhybudd canabis neu khat"),
    ("8", "Community resolution", "Datrys cymunedol"),
    ("9", "Prosecution not in the public interest (CPS)", "Erlyniad ddim er budd y cyhoedd (CPS)"),
    (
        "10",
        "Formal action not in the public interest (police)",
        "Camau ffurfiol ddim er budd y cyhoedd (heddlu)",
    ),
    (
        "11",
        "Prosecution prevented: suspect under age",
        "Erlyniad wedi'i atal: y sawl a amheuir dan oed",
    ),
    (
        "12",
        "Prosecution prevented: suspect too ill",
        "Erlyniad wedi'i atal: y sawl a amheuir yn rhy sâl",
    ),
    (
        "13",
        "Prosecution prevented: victim or key witness dead or too ill",
        "Erlyniad wedi'i atal: dioddefwr neu dyst allweddol wedi marw neu'n rhy sâl",
    ),
    (
        "14",
        "Evidential difficulties: suspect not identified, victim does not support",
        "Anawsterau tystiolaeth: y sawl a amheuir heb ei adnabod, nid yw'r dioddefwr yn cefnogi",
    ),
    (
        "15",
        "Evidential difficulties: suspect identified, victim supports",
        "Anawsterau tystiolaeth: y sawl a amheuir wedi'i adnabod, mae'r dioddefwr yn cefnogi",
    ),
    (
        "16",
        "Evidential difficulties: victim does not support",
        "Anawsterau tystiolaeth: nid yw'r dioddefwr yn cefnogi",
    ),
    ("17", "Prosecution time limit expired", "Terfyn amser erlyn wedi dod i ben"),
    (
        "18",
        "Investigation complete: no suspect identified",
        "Ymchwiliad wedi'i gwblhau: neb wedi'i adnabod",
    ),
    (
        "19",
        "Referred to the National Fraud Intelligence Bureau",
        "Wedi'i chyfeirio at y Swyddfa Cudd-wybodaeth Twyll Genedlaethol",
    ),
    ("20", "Action undertaken by another body or agency", "Camau gan gorff neu asiantaeth arall"),
    (
        "21",
        "Further investigation not in the public interest (police)",
        "Ymchwiliad pellach ddim er budd y cyhoedd (heddlu)",
    ),
    (
        "22",
        "Diversionary, educational or intervention activity; no further action in the "
        "public interest",
        "Gweithgaredd dargyfeiriol, addysgol neu ymyrraeth; dim camau pellach er budd y cyhoedd",
    ),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    scheme = apps.get_model("disposals", "DisposalScheme")
    for order, row in enumerate(SCHEMES, start=1):
        code, en, cy, tier, breach, admission, fewest, categories, outcome, basis = row
        scheme.objects.update_or_create(
            code=code,
            effective_from=ADOPTED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "framework": "npcc_2017",
                "tier": tier,
                "breach_consequence": breach,
                "min_age": 18,
                "needs_admission": admission,
                "min_conditions": fewest,
                "condition_categories": categories,
                "outcome_code": outcome,
                "statutory_basis": basis,
                "source": STRATEGY,
                "sort_order": order * 10,
            },
        )
    offence = apps.get_model("disposals", "Offence")
    for order, (code, en, cy, group, gravity, exclusion) in enumerate(OFFENCES, start=1):
        offence.objects.update_or_create(
            code=code,
            effective_from=ADOPTED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "offence_group": group,
                "gravity": gravity,
                "exclusion": exclusion,
                "source": MATRIX,
                "sort_order": order * 10,
            },
        )
    factor = apps.get_model("disposals", "GravityFactor")
    for order, (code, en, cy, direction) in enumerate(FACTORS, start=1):
        factor.objects.update_or_create(
            code=code,
            effective_from=ADOPTED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "direction": direction,
                "source": "Adult gravity matrix (ACPO, 2013): aggravating and mitigating "
                "factors move the score one step",
                "sort_order": order * 10,
            },
        )
    condition = apps.get_model("disposals", "ConditionType")
    for order, row in enumerate(CONDITIONS, start=1):
        code, en, cy, category, completes_on, need, hours, amount, days = row
        condition.objects.update_or_create(
            code=code,
            effective_from=ADOPTED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "category": category,
                "completes_on": completes_on,
                "need": need,
                "max_hours": hours,
                "takes_amount": amount,
                "default_working_days": days,
                "source": CATALOGUE
                + ("; PCSC Act 2022 s.101 caps unpaid work at 20 hours (verify)" if hours else ""),
                "sort_order": order * 10,
            },
        )
    outcome = apps.get_model("disposals", "CrimeOutcome")
    for order, (code, en, cy) in enumerate(OUTCOMES, start=1):
        outcome.objects.update_or_create(
            code=code,
            # Outcome 22 was added on 1 April 2019.
            effective_from=date(2019, 4, 1) if code == "22" else date(2013, 4, 1),
            defaults={
                "label_en": en,
                "label_cy": cy,
                "source": HOCR,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("disposals", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
