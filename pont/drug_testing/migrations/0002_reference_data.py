"""Load trigger offences, tested substances and the numbers the law sets (reference data).

Each row cites its source. Where the domain reference says "verify", the
source says so too: an administrator checks it against current law and, if it
has changed, ends the row and adds the new one (Reference data pages).
"""

from datetime import date

from django.db import migrations

SCH6 = "Criminal Justice and Court Services Act 2000, Schedule 6"
VERIFY_SCH6 = SCH6 + " (as amended; verify additions made in 2023 and later)"
DRUGS_ACT_COMMENCED = date(2005, 12, 1)  # Drugs Act 2005 ss.7, 9, 12 in force (SI 2005/3053)
FRAUD_ACT_COMMENCED = date(2007, 1, 15)
DECEPTION_REPEALED = date(2007, 1, 14)  # last day: Theft Act 1968 s.15 repealed by the Fraud Act

# (code, English, Welsh, Act, section, class A only, from, to, source, order)
TRIGGER_OFFENCES = [
    ("theft", "Theft", "Lladrad", "Theft Act 1968", "s.1", False, None, None, SCH6, 10),
    ("robbery", "Robbery", "Lladrata", "Theft Act 1968", "s.8", False, None, None, SCH6, 20),
    ("burglary", "Burglary", "Byrgleriaeth", "Theft Act 1968", "s.9", False, None, None, SCH6, 30),
    (
        "aggravated_burglary",
        "Aggravated burglary",
        "Byrgleriaeth waethygedig",
        "Theft Act 1968",
        "s.10",
        False,
        None,
        None,
        SCH6,
        40,
    ),
    (
        "taking_conveyance",
        "Taking a motor vehicle or other conveyance without authority",
        "Cymryd cerbyd modur neu gludiad arall heb awdurdod",
        "Theft Act 1968",
        "s.12",
        False,
        None,
        None,
        SCH6,
        50,
    ),
    (
        "aggravated_vehicle_taking",
        "Aggravated vehicle-taking",
        "Cymryd cerbyd gwaethygedig",
        "Theft Act 1968",
        "s.12A",
        False,
        None,
        None,
        SCH6,
        60,
    ),
    (
        "obtaining_by_deception",
        "Obtaining property by deception",
        "Cael eiddo drwy dwyll",
        "Theft Act 1968",
        "s.15",
        False,
        None,
        DECEPTION_REPEALED,
        SCH6 + "; s.15 repealed by the Fraud Act 2006 from 15 January 2007",
        70,
    ),
    (
        "handling",
        "Handling stolen goods",
        "Trin nwyddau wedi'u dwyn",
        "Theft Act 1968",
        "s.22",
        False,
        None,
        None,
        SCH6,
        80,
    ),
    (
        "going_equipped",
        "Going equipped for stealing",
        "Mynd ag offer ar gyfer dwyn",
        "Theft Act 1968",
        "s.25",
        False,
        None,
        None,
        SCH6,
        90,
    ),
    (
        "mda_supply",
        "Producing or supplying a controlled drug (specified Class A)",
        "Cynhyrchu neu gyflenwi cyffur a reolir (Dosbarth A penodedig)",
        "Misuse of Drugs Act 1971",
        "s.4",
        True,
        None,
        None,
        SCH6 + " para 2",
        100,
    ),
    (
        "mda_possession",
        "Possessing a controlled drug (specified Class A)",
        "Meddu ar gyffur a reolir (Dosbarth A penodedig)",
        "Misuse of Drugs Act 1971",
        "s.5(2)",
        True,
        None,
        None,
        SCH6 + " para 2",
        110,
    ),
    (
        "mda_possession_intent",
        "Possessing a controlled drug with intent to supply (specified Class A)",
        "Meddu ar gyffur a reolir gyda'r bwriad o'i gyflenwi (Dosbarth A penodedig)",
        "Misuse of Drugs Act 1971",
        "s.5(3)",
        True,
        None,
        None,
        SCH6 + " para 2",
        120,
    ),
    (
        "fraud",
        "Fraud",
        "Twyll",
        "Fraud Act 2006",
        "s.1",
        False,
        FRAUD_ACT_COMMENCED,
        None,
        SCH6 + " (inserted by the Fraud Act 2006)",
        130,
    ),
    (
        "fraud_articles_possession",
        "Possessing articles for use in frauds",
        "Meddu ar eitemau i'w defnyddio mewn twyll",
        "Fraud Act 2006",
        "s.6",
        False,
        FRAUD_ACT_COMMENCED,
        None,
        SCH6 + " (inserted by the Fraud Act 2006)",
        140,
    ),
    (
        "fraud_articles_making",
        "Making or supplying articles for use in frauds",
        "Gwneud neu gyflenwi eitemau i'w defnyddio mewn twyll",
        "Fraud Act 2006",
        "s.7",
        False,
        FRAUD_ACT_COMMENCED,
        None,
        SCH6 + " (inserted by the Fraud Act 2006)",
        150,
    ),
    (
        "attempted_theft",
        "Attempted theft",
        "Ceisio dwyn",
        "Criminal Attempts Act 1981",
        "s.1(1) (theft)",
        False,
        None,
        None,
        SCH6,
        160,
    ),
    (
        "attempted_robbery",
        "Attempted robbery",
        "Ceisio lladrata",
        "Criminal Attempts Act 1981",
        "s.1(1) (robbery)",
        False,
        None,
        None,
        SCH6,
        170,
    ),
    (
        "attempted_burglary",
        "Attempted burglary",
        "Ceisio byrgleriaeth",
        "Criminal Attempts Act 1981",
        "s.1(1) (burglary)",
        False,
        None,
        None,
        SCH6,
        180,
    ),
    (
        "attempted_handling",
        "Attempted handling of stolen goods",
        "Ceisio trin nwyddau wedi'u dwyn",
        "Criminal Attempts Act 1981",
        "s.1(1) (handling)",
        False,
        None,
        None,
        SCH6,
        190,
    ),
    (
        "attempted_fraud",
        "Attempted fraud",
        "Ceisio twyll",
        "Criminal Attempts Act 1981",
        "s.1(1) (fraud)",
        False,
        FRAUD_ACT_COMMENCED,
        None,
        SCH6,
        200,
    ),
    (
        "begging",
        "Begging",
        "Cardota",
        "Vagrancy Act 1824",
        "s.3",
        False,
        None,
        None,
        VERIFY_SCH6 + "; verify: the Vagrancy Act 1824 has a repeal pending",
        210,
    ),
    (
        "persistent_begging",
        "Persistent begging",
        "Cardota parhaus",
        "Vagrancy Act 1824",
        "s.4",
        False,
        None,
        None,
        VERIFY_SCH6 + "; verify: the Vagrancy Act 1824 has a repeal pending",
        220,
    ),
]

SPECIFIED = "CJCSA 2000 s.70 and the specified Class A drugs (as amended; verify)"
SUBSTANCES = [
    ("cocaine", "Cocaine", "Cocaine", SPECIFIED, 10),
    ("opiates", "Opiates (heroin)", "Opiadau (heroin)", SPECIFIED, 20),
]

GUIDANCE = (
    "Home Office, Operational Process Guidance for Implementation of Testing on Arrest, "
    "Required Assessment and Restriction on Bail (March 2010)"
)
# (code, English, Welsh, value, source)
RULES = [
    (
        "arrest_min_age",
        "Youngest age for a test on the arrest condition",
        "Yr oedran ieuengaf ar gyfer prawf ar amod arestio",
        18,
        "PACE 1984 s.63B(3)(a)",
    ),
    (
        "charge_min_age",
        "Youngest age for a test on the charge condition",
        "Yr oedran ieuengaf ar gyfer prawf ar amod cyhuddo",
        14,
        "PACE 1984 s.63B(3)(b)",
    ),
    (
        "appropriate_adult_under_age",
        "An appropriate adult is needed under this age",
        "Mae angen oedolyn priodol o dan yr oedran hwn",
        17,
        "PACE 1984 s.63B(5A)",
    ),
    (
        "ra_min_age",
        "Youngest age for a Required Assessment",
        "Yr oedran ieuengaf ar gyfer Asesiad Gofynnol",
        18,
        "Drugs Act 2005 s.9(4)",
    ),
    (
        "initial_window_days",
        "Latest initial assessment after the test, in days",
        "Yr asesiad cychwynnol diweddaraf ar ôl y prawf, mewn dyddiau",
        7,
        GUIDANCE + "; verify the current window, it is not set by the Act",
    ),
    (
        "disputed_min_working_days",
        "After a disputed test, earliest assessment after the sample is sent, in working days",
        "Ar ôl prawf a wrthwynebir, yr asesiad cynharaf ar ôl anfon y sampl, mewn diwrnodau gwaith",
        5,
        "Drugs Act 2005 s.16; " + GUIDANCE,
    ),
    (
        "confirmatory_result_working_days",
        "Confirmatory result expected within, in working days",
        "Disgwylir canlyniad cadarnhau o fewn, mewn diwrnodau gwaith",
        5,
        GUIDANCE,
    ),
    (
        "breach_max_imprisonment_months",
        "Failing to attend or remain: longest imprisonment, in months",
        "Methu â mynychu neu aros: y cyfnod hiraf o garchar, mewn misoedd",
        3,
        "Drugs Act 2005 ss.12(4), 14(4); verify the current maximum",
    ),
    (
        "breach_max_fine_level",
        "Failing to attend or remain: highest fine, level on the standard scale",
        "Methu â mynychu neu aros: y ddirwy uchaf, lefel ar y raddfa safonol",
        4,
        "Drugs Act 2005 ss.12(4), 14(4); verify the current maximum",
    ),
    (
        "qa_sample_size",
        "Test records sampled each month for quality assurance",
        "Cofnodion profion a samplir bob mis ar gyfer sicrhau ansawdd",
        10,
        "Pont: Dyfed-Powys Police custody quality assurance (local)",
    ),
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    trigger = apps.get_model("drug_testing", "TriggerOffence")
    for code, en, cy, act, section, class_a, start, end, source, order in TRIGGER_OFFENCES:
        trigger.objects.update_or_create(
            code=code,
            effective_from=start or DRUGS_ACT_COMMENCED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "act": act,
                "section": section,
                "class_a_only": class_a,
                "effective_to": end,
                "source": source,
                "sort_order": order,
            },
        )
    substance = apps.get_model("drug_testing", "TestedSubstance")
    for code, en, cy, source, order in SUBSTANCES:
        substance.objects.update_or_create(
            code=code,
            effective_from=DRUGS_ACT_COMMENCED,
            defaults={"label_en": en, "label_cy": cy, "source": source, "sort_order": order},
        )
    rule = apps.get_model("drug_testing", "DrugTestingRule")
    for order, (code, en, cy, value, source) in enumerate(RULES):
        rule.objects.update_or_create(
            code=code,
            effective_from=DRUGS_ACT_COMMENCED,
            defaults={
                "label_en": en,
                "label_cy": cy,
                "value": value,
                "source": source,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("drug_testing", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
