"""Load police.uk's stop-and-search vocabularies (reference data) and its older labels.

The police.uk labels are exactly as data.police.uk writes them in its CSV
files (hyphen-minus between group and subgroup, "Person and Vehicle search",
a space in "(section 34B )"). The pre-2018 labels are PoliceUkAlias rows that
point at today's codes: the outcome mapping is the approximate one in the
police.uk data notes, and only self-defined ethnicity labels seen in the
published Dyfed-Powys files are listed (a file with another old label is
refused, naming it, until an alias is added).

The new vocabulary replaced the old one per force between 2016 and 2018, so
every current row starts on 2016-01-01: files from before and after the switch
both map onto it. "Article found - Detailed outcome unavailable" has no new
equivalent; it is kept for old files and ends where the old vocabulary ended.
"""

from datetime import date

from django.db import migrations

FROM = date(2016, 1, 1)
AS_PUBLISHED = "data.police.uk stop and search CSV, as published"
OLD_VOCABULARY_ENDED = date(2018, 3, 31)  # last old-vocabulary month seen (City of London)

# (code, police.uk label, English, Welsh, something found and acted on)
OUTCOMES = [
    (
        "no_further_action",
        "A no further action disposal",
        "A no further action disposal",
        "Penderfyniad i beidio â chymryd camau pellach",
        False,
    ),
    ("arrest", "Arrest", "Arrest", "Arestio", True),
    (
        "community_resolution",
        "Community resolution",
        "Community resolution",
        "Datrysiad cymunedol",
        True,
    ),
    (
        "summons",
        "Summons / charged by post",
        "Summons / charged by post",
        "Gwŷs / cyhuddo drwy'r post",
        True,
    ),
    (
        "caution",
        "Caution (simple or conditional)",
        "Caution (simple or conditional)",
        "Rhybuddiad (syml neu amodol)",
        True,
    ),
    (
        "penalty_notice",
        "Penalty Notice for Disorder",
        "Penalty Notice for Disorder",
        "Hysbysiad Cosb am Anhrefn",
        True,
    ),
    (
        "khat_cannabis_warning",
        "Khat or Cannabis warning",
        "Khat or Cannabis warning",
        "Rhybudd khat neu ganabis",
        True,
    ),
]
ARTICLE_FOUND = (
    "article_found",
    "Article found - Detailed outcome unavailable",
    "Article found - detailed outcome unavailable",
    "Eitem wedi'i chanfod - dim manylion am y canlyniad",
    True,
)

# 2011 Census: (code, police.uk label, English, Welsh, broad group)
ETHNICITIES = [
    (
        "white_british",
        "White - English/Welsh/Scottish/Northern Irish/British",
        "White: English, Welsh, Scottish, Northern Irish or British",
        "Gwyn: Cymreig, Seisnig, Albanaidd, Gwyddelig Gogledd Iwerddon neu Brydeinig",
        "white",
    ),
    ("white_irish", "White - Irish", "White: Irish", "Gwyn: Gwyddelig", "white"),
    (
        "white_gypsy_irish_traveller",
        "White - Gypsy or Irish Traveller",
        "White: Gypsy or Irish Traveller",
        "Gwyn: Sipsi neu Deithiwr Gwyddelig",
        "white",
    ),
    (
        "white_other",
        "White - Any other White background",
        "White: any other White background",
        "Gwyn: unrhyw gefndir Gwyn arall",
        "white",
    ),
    (
        "mixed_white_black_caribbean",
        "Mixed/Multiple ethnic groups - White and Black Caribbean",
        "Mixed or multiple ethnic groups: White and Black Caribbean",
        "Grwpiau ethnig cymysg neu luosog: Gwyn a Du Caribïaidd",
        "mixed",
    ),
    (
        "mixed_white_black_african",
        "Mixed/Multiple ethnic groups - White and Black African",
        "Mixed or multiple ethnic groups: White and Black African",
        "Grwpiau ethnig cymysg neu luosog: Gwyn a Du Affricanaidd",
        "mixed",
    ),
    (
        "mixed_white_asian",
        "Mixed/Multiple ethnic groups - White and Asian",
        "Mixed or multiple ethnic groups: White and Asian",
        "Grwpiau ethnig cymysg neu luosog: Gwyn ac Asiaidd",
        "mixed",
    ),
    (
        "mixed_other",
        "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
        "Mixed or multiple ethnic groups: any other mixed or multiple ethnic background",
        "Grwpiau ethnig cymysg neu luosog: unrhyw gefndir ethnig cymysg neu luosog arall",
        "mixed",
    ),
    (
        "asian_indian",
        "Asian/Asian British - Indian",
        "Asian or Asian British: Indian",
        "Asiaidd neu Asiaidd Prydeinig: Indiaidd",
        "asian",
    ),
    (
        "asian_pakistani",
        "Asian/Asian British - Pakistani",
        "Asian or Asian British: Pakistani",
        "Asiaidd neu Asiaidd Prydeinig: Pacistanaidd",
        "asian",
    ),
    (
        "asian_bangladeshi",
        "Asian/Asian British - Bangladeshi",
        "Asian or Asian British: Bangladeshi",
        "Asiaidd neu Asiaidd Prydeinig: Bangladeshaidd",
        "asian",
    ),
    (
        "asian_chinese",
        "Asian/Asian British - Chinese",
        "Asian or Asian British: Chinese",
        "Asiaidd neu Asiaidd Prydeinig: Tsieineaidd",
        "asian",
    ),
    (
        "asian_other",
        "Asian/Asian British - Any other Asian background",
        "Asian or Asian British: any other Asian background",
        "Asiaidd neu Asiaidd Prydeinig: unrhyw gefndir Asiaidd arall",
        "asian",
    ),
    (
        "black_african",
        "Black/African/Caribbean/Black British - African",
        "Black, African, Caribbean or Black British: African",
        "Du, Affricanaidd, Caribïaidd neu Ddu Prydeinig: Affricanaidd",
        "black",
    ),
    (
        "black_caribbean",
        "Black/African/Caribbean/Black British - Caribbean",
        "Black, African, Caribbean or Black British: Caribbean",
        "Du, Affricanaidd, Caribïaidd neu Ddu Prydeinig: Caribïaidd",
        "black",
    ),
    (
        "black_other",
        "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
        "Black, African, Caribbean or Black British: any other Black, African or Caribbean "
        "background",
        "Du, Affricanaidd, Caribïaidd neu Ddu Prydeinig: unrhyw gefndir Du, Affricanaidd neu "
        "Garibïaidd arall",
        "black",
    ),
    (
        "other_arab",
        "Other ethnic group - Arab",
        "Other ethnic group: Arab",
        "Grŵp ethnig arall: Arabaidd",
        "other",
    ),
    (
        "other_any",
        "Other ethnic group - Any other ethnic group",
        "Other ethnic group: any other ethnic group",
        "Grŵp ethnig arall: unrhyw grŵp ethnig arall",
        "other",
    ),
    (
        "not_stated",
        "Other ethnic group - Not stated",
        "Not stated",
        "Heb ei nodi",
        "not_stated",
    ),
]

# (code, police.uk label, Welsh); the English label is police.uk's.
LEGISLATION = [
    (
        "mda_s23",
        "Misuse of Drugs Act 1971 (section 23)",
        "Deddf Camddefnyddio Cyffuriau 1971 (adran 23)",
    ),
    (
        "pace_s1",
        "Police and Criminal Evidence Act 1984 (section 1)",
        "Deddf yr Heddlu a Thystiolaeth Droseddol 1984 (adran 1)",
    ),
    (
        "pace_s6",
        "Police and Criminal Evidence Act 1984 (section 6)",
        "Deddf yr Heddlu a Thystiolaeth Droseddol 1984 (adran 6)",
    ),
    ("firearms_s47", "Firearms Act 1968 (section 47)", "Deddf Drylliau 1968 (adran 47)"),
    (
        "cjpoa_s60",
        "Criminal Justice and Public Order Act 1994 (section 60)",
        "Deddf Cyfiawnder Troseddol a Threfn Gyhoeddus 1994 (adran 60)",
    ),
    (
        "cja_s139b",
        "Criminal Justice Act 1988 (section 139B)",
        "Deddf Cyfiawnder Troseddol 1988 (adran 139B)",
    ),
    # The domain reference writes these two as one entry; police.uk publishes them apart.
    (
        "psa_s36",
        "Psychoactive Substances Act 2016 (s36(2))",
        "Deddf Sylweddau Seicoweithredol 2016 (a36(2))",
    ),
    (
        "psa_s37",
        "Psychoactive Substances Act 2016 (s37(2))",
        "Deddf Sylweddau Seicoweithredol 2016 (a37(2))",
    ),
    (
        "cema_s163",
        "Customs and Excise Management Act 1979 (section 163)",
        "Deddf Rheoli Tollau a Chartref 1979 (adran 163)",
    ),
    (
        "avsec_s27",
        "Aviation Security Act 1982 (section 27(1))",
        "Deddf Diogelwch Hedfan 1982 (adran 27(1))",
    ),
    (
        "poaching_s2",
        "Poaching Prevention Act 1862 (section 2)",
        "Deddf Atal Potsio 1862 (adran 2)",
    ),
    (
        "wildlife_s19",
        "Wildlife and Countryside Act 1981 (section 19)",
        "Deddf Bywyd Gwyllt a Chefn Gwlad 1981 (adran 19)",
    ),
    (
        "badgers_s11",
        "Protection of Badgers Act 1992 (section 11)",
        "Deddf Diogelu Moch Daear 1992 (adran 11)",
    ),
    ("deer_s12", "Deer Act 1991 (section 12)", "Deddf Ceirw 1991 (adran 12)"),
    # Sic: police.uk writes a space before the closing bracket.
    (
        "epa_s34b",
        "Environmental Protection Act 1990 (section 34B )",
        "Deddf Diogelu'r Amgylchedd 1990 (adran 34B)",
    ),
    ("crossbows_s4", "Crossbows Act 1987 (section 4)", "Deddf Bwâu Croes 1987 (adran 4)"),
    (
        "public_stores_s6",
        "Public Stores Act 1875 (section 6)",
        "Deddf Storfeydd Cyhoeddus 1875 (adran 6)",
    ),
    (
        "seals_s4",
        "Conservation of Seals Act 1970 (section 4)",
        "Deddf Cadwraeth Morloi 1970 (adran 4)",
    ),
    ("hunting_s8", "Hunting Act 2004 (section 8)", "Deddf Hela 2004 (adran 8)"),
    (
        "sporting_events_s7",
        "Sporting Events Act 1985 (section 7)",
        "Deddf Digwyddiadau Chwaraeon 1985 (adran 7)",
    ),
]

# (code, police.uk label, Welsh)
OBJECTS = [
    ("controlled_drugs", "Controlled drugs", "Cyffuriau a reolir"),
    ("offensive_weapons", "Offensive weapons", "Arfau ymosodol"),
    ("stolen_goods", "Stolen goods", "Nwyddau wedi'u dwyn"),
    ("article_for_theft", "Article for use in theft", "Eitem i'w defnyddio i ddwyn"),
    (
        "articles_for_criminal_damage",
        "Articles for use in criminal damage",
        "Eitemau i'w defnyddio i achosi difrod troseddol",
    ),
    ("firearms", "Firearms", "Drylliau"),
    ("fireworks", "Fireworks", "Tân gwyllt"),
    (
        "threaten_or_harm",
        "Anything to threaten or harm anyone",
        "Unrhyw beth i fygwth neu niweidio unrhyw un",
    ),
    (
        "evidence_of_offences",
        "Evidence of offences under the Act",
        "Tystiolaeth o droseddau o dan y Ddeddf",
    ),
    (
        "goods_duty_unpaid",
        "Goods on which duty has not been paid etc.",
        "Nwyddau na thalwyd toll arnynt ac ati",
    ),
    ("game_or_poaching", "Game or poaching equipment", "Helgig neu offer potsio"),
    (
        "evidence_of_wildlife_offences",
        "Evidence of wildlife offences",
        "Tystiolaeth o droseddau bywyd gwyllt",
    ),
    ("psychoactive_substances", "Psychoactive substances", "Sylweddau seicoweithredol"),
    ("crossbows", "Crossbows", "Bwâu croes"),
    ("seals_or_hunting", "Seals or hunting equipment", "Morloi neu offer hela"),
    (
        "hunting_with_dog",
        "Evidence of hunting any wild mammal with a dog",
        "Tystiolaeth o hela unrhyw famal gwyllt â chi",
    ),
    (
        "detail_unavailable",
        "Detailed object of search unavailable",
        "Dim manylion am wrthrych y chwiliad",
    ),
]

OLD_OUTCOME = (
    "data.police.uk stop and search CSV, as published before the 2018 vocabulary "
    "(approximate mapping to the current outcome)"
)
# (column, older police.uk label, current code, source)
ALIASES = [
    ("outcome", "Nothing found - no further action", "no_further_action", OLD_OUTCOME),
    ("outcome", "Suspect arrested", "arrest", OLD_OUTCOME),
    ("outcome", "Offender given drugs possession warning", "khat_cannabis_warning", OLD_OUTCOME),
    ("outcome", "Offender given penalty notice", "penalty_notice", OLD_OUTCOME),
    ("outcome", "Suspect summonsed to court", "summons", OLD_OUTCOME),
    ("outcome", "Offender cautioned", "caution", OLD_OUTCOME),
    ("outcome", "Local resolution", "community_resolution", OLD_OUTCOME),
]
OLD_ETHNICITY = (
    "data.police.uk stop and search CSV, as published (2001 Census-style label, seen in "
    "Dyfed-Powys 2016-11)"
)
ALIASES += [
    ("self_defined_ethnicity", label, code, OLD_ETHNICITY)
    for label, code in [
        ("White - White British (W1)", "white_british"),
        ("White - Any other White ethnic background (W9)", "white_other"),
        ("Mixed - White and Black Caribbean (M1)", "mixed_white_black_caribbean"),
        ("Mixed - Any other Mixed ethnic background (M9)", "mixed_other"),
        ("Asian or Asian British - Any other Asian ethnic background (A9)", "asian_other"),
        ("Black or Black British - Caribbean (B1)", "black_caribbean"),
        ("Black or Black British - African (B2)", "black_african"),
        ("Not Stated (NS)", "not_stated"),
    ]
]


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    outcome = apps.get_model("stop_search", "SearchOutcome")
    for order, (code, label, en, cy, found) in enumerate([*OUTCOMES, ARTICLE_FOUND], start=1):
        outcome.objects.update_or_create(
            code=code,
            effective_from=FROM,
            defaults={
                "policeuk_label": label,
                "label_en": en,
                "label_cy": cy,
                "found": found,
                "effective_to": OLD_VOCABULARY_ENDED if code == ARTICLE_FOUND[0] else None,
                "source": AS_PUBLISHED
                + (
                    " (old vocabulary, no current equivalent; forces moved to the current "
                    "outcomes between 2016 and 2018)"
                    if code == ARTICLE_FOUND[0]
                    else ""
                ),
                "sort_order": order * 10,
            },
        )
    ethnicity = apps.get_model("stop_search", "SelfDefinedEthnicity")
    for order, (code, label, en, cy, group) in enumerate(ETHNICITIES, start=1):
        ethnicity.objects.update_or_create(
            code=code,
            effective_from=FROM,
            defaults={
                "policeuk_label": label,
                "label_en": en,
                "label_cy": cy,
                "group": group,
                "source": AS_PUBLISHED + "; 2011 Census ethnic groups (England and Wales)",
                "sort_order": order * 10,
            },
        )
    for model_name, rows in (("Legislation", LEGISLATION), ("ObjectOfSearch", OBJECTS)):
        model = apps.get_model("stop_search", model_name)
        for order, (code, label, cy) in enumerate(rows, start=1):
            model.objects.update_or_create(
                code=code,
                effective_from=FROM,
                defaults={
                    "policeuk_label": label,
                    "label_en": " ".join(label.replace(" )", ")").split()),
                    "label_cy": cy,
                    "source": AS_PUBLISHED,
                    "sort_order": order * 10,
                },
            )
    alias = apps.get_model("stop_search", "PoliceUkAlias")
    for column, label, code, source in ALIASES:
        alias.objects.update_or_create(
            column=column, label=label, defaults={"code": code, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("stop_search", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
