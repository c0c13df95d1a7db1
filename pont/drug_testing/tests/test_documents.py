"""The Required Assessment notices and the breach evidence pack, read back from their PDFs.

The documents are pure functions of their data, so no database is needed. Each
document is rendered once per module (WeasyPrint takes about 0.3 s) and its text
extracted with pypdf. The English wording is asserted exactly; the Welsh section
for its data (Welsh dates, names, places, sections cited) and for the wording of
its headings, signatures and the RA5 ending (from the compiled catalogue).

The data deliberately puts the times in British Summer Time (UTC+1): a notice
states the local time in Wales, so 09:30 UTC must read 10:30.
"""

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from pont.drug_testing import documents
from pont.drug_testing.documents import (
    Bilingual,
    BreachPackData,
    NoticeData,
    ServedNotice,
    TimelineEntry,
    breach_pack_pdf,
    notice_pdf,
)

OFFICER = "PC 1234 Rhys Evans, Dyfed-Powys Police"
ASSESSOR = "Siân Morgan, Dyfed Drug and Alcohol Service"
PLACE = "Canolfan Dŵr, Ffordd y Môr, Ysbyty Ystwyth SY25 6AA"
PREVIOUS_PLACE = "Canolfan Gymunedol Tregaron, SY25 6JL"

BASE = NoticeData(
    kind="RA1",
    assessment_reference="RA-1A2B3C4D",
    issued_at=datetime(2026, 7, 10, 15, 5, tzinfo=UTC),
    issued_by=OFFICER,
    person_name="Llŷr ap Gruffudd",
    person_date_of_birth=date(1990, 3, 1),
    person_reference="P000123",
    custody_record_number="CR/44/2607/0031",
    custody_suite=Bilingual(en="Aberystwyth custody suite", cy="Dalfa Aberystwyth"),
    sample_taken_at=datetime(2026, 7, 10, 13, 40, tzinfo=UTC),
    positive_substances=(
        Bilingual(en="Cocaine", cy="Cocên"),
        Bilingual(en="Opiates (heroin)", cy="Opiadau (heroin)"),
    ),
    service_name=Bilingual(
        en="Dyfed Drug and Alcohol Service", cy="Gwasanaeth Cyffuriau ac Alcohol Dyfed"
    ),
    service_phone="01970 612345",
    appointment_at=datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
    place=PLACE,
)
DISPUTED = {"confirmatory_sent_at": datetime(2026, 7, 6, 10, 0, tzinfo=UTC)}
KINDS: dict[str, dict[str, Any]] = {
    "RA1": {},
    "RA2": {
        "previous_appointment_at": datetime(2026, 7, 13, 13, 0, tzinfo=UTC),
        "previous_place": PREVIOUS_PLACE,
    },
    "RA4": {"issued_by": ASSESSOR, "appointment_at": datetime(2026, 7, 28, 13, 0, tzinfo=UTC)},
    "RA5": {"issued_by": ASSESSOR, "appointment_at": None, "place": ""},
}
ALL_KINDS = sorted(KINDS)

# What the English section must say, word for word.
TITLES = {
    "RA1": "RA1 Notice of requirement to attend an initial assessment",
    "RA2": "RA2 Notice of a change to the time or place of an initial assessment",
    "RA4": "RA4 Notice of requirement to attend a follow-up assessment",
    "RA5": "RA5 Notice that the requirement to attend a follow-up assessment has ceased",
}
# What the Welsh section must say (the catalogue's translations of the above).
WELSH_TITLES = {
    "RA1": "RA1 Hysbysiad o ofyniad i fynychu asesiad cychwynnol",
    "RA2": "RA2 Hysbysiad o newid i amser neu le asesiad cychwynnol",
    "RA4": "RA4 Hysbysiad o ofyniad i fynychu asesiad dilynol",
    "RA5": "RA5 Hysbysiad bod y gofyniad i fynychu asesiad dilynol wedi dod i ben",
}
REQUIREMENTS = {
    "RA1": "A police officer requires you to attend an initial assessment of your drug misuse "
    "and to remain for its duration (Drugs Act 2005, s.9).",
    "RA2": "A police officer has changed the time or place of your initial assessment. You are "
    "still required to attend the initial assessment of your drug misuse and to remain for its "
    "duration (Drugs Act 2005, s.9), at the new time and place below.",
    "RA4": "You are required to attend a follow-up assessment of your drug misuse and to remain "
    "for its duration (Drugs Act 2005, s.10). The initial assessor has arranged it for the time "
    "and place below (s.13).",
}
FOLLOW_UP_REQUIREMENT = (
    "You are also required to attend a follow-up assessment and to remain for its duration "
    "(Drugs Act 2005, s.10). The initial assessor will tell you its time and place in writing. "
    "This requirement ceases if the initial assessor tells you that a follow-up assessment is "
    "not needed."
)
INITIAL_WARNING = (
    "If you fail without good cause to attend the initial assessment at the time and place "
    "above, or to remain for its duration, you commit an offence (Drugs Act 2005, s.12)."
)
FOLLOW_UP_WARNING = (
    "If you fail without good cause to attend the follow-up assessment, or to remain for its "
    "duration, you commit an offence (Drugs Act 2005, s.14)."
)
RA4_WARNING = (
    "If you fail without good cause to attend the follow-up assessment at the time and place "
    "above, or to remain for its duration, you commit an offence (Drugs Act 2005, s.14)."
)
PENALTY = (
    "On summary conviction, the penalty is imprisonment for up to {months} months, a fine of "
    "up to level {level} on the standard scale, or both."
)
CEASED = (
    "The initial assessor has told you that a follow-up assessment is not needed. Your "
    "requirement to attend a follow-up assessment has therefore ceased (Drugs Act 2005, s.10 "
    "and s.13). Nothing further is required of you under this Required Assessment, and there "
    "is no further appointment."
)
DISPUTED_SENTENCE = (
    "You disputed the result. Another sample was sent for confirmatory analysis on 6 July 2026 "
    "(Drugs Act 2005, s.16)."
)
WORKING_DAYS = (
    "Because your sample was sent for analysis, this appointment is at least 5 working days "
    "after the day it was sent."
)


def _normalised(text: str) -> str:
    """Undo line wrapping in extracted text: one space between words, and no break
    inside a citation ("s.\\n11") or after a hyphen ("follow-\\nup")."""
    text = " ".join(text.split())
    text = re.sub(r"\b([sar])\. (?=\d)", r"\1.", text)
    return re.sub(r"(?<=\w)- (?=\w)", "-", text)


@dataclass(frozen=True)
class Rendered:
    data: NoticeData
    pdf: bytes
    reader: PdfReader
    pages: list[str]  # each page's text, normalised
    welsh: str
    english: str


def _render(data: NoticeData) -> Rendered:
    pdf = notice_pdf(data)
    reader = PdfReader(BytesIO(pdf))
    # The outline has one top-level entry per section, from its h1: Welsh, then English.
    headings = [item for item in reader.outline if not isinstance(item, list)]
    assert len(headings) == 2
    english_from = reader.get_destination_page_number(headings[1])
    pages = [_normalised(page.extract_text()) for page in reader.pages]
    bodies = []
    for number, text in enumerate(pages, start=1):
        footer = f" {data.assessment_reference} {number} / {len(pages)}"
        assert text.endswith(footer)  # every page says whose notice it is, and where it is
        bodies.append(text.removesuffix(footer))
    return Rendered(
        data=data,
        pdf=pdf,
        reader=reader,
        pages=pages,
        welsh=" ".join(bodies[:english_from]),
        english=" ".join(bodies[english_from:]),
    )


def _notice(kind: str, **changes: Any) -> NoticeData:
    return replace(BASE, kind=kind, **{**KINDS[kind], **changes})


@pytest.fixture(scope="module")
def notices() -> dict[str, Rendered]:
    """Every kind, undisputed and disputed; and an RA1 that varies the rest of the data."""
    rendered = {kind: _render(_notice(kind)) for kind in ALL_KINDS}
    for kind in ALL_KINDS:
        rendered[f"{kind} disputed"] = _render(_notice(kind, **DISPUTED))
    rendered["RA1 varied"] = _render(
        _notice(
            "RA1",
            penalty_months=6,
            penalty_fine_level=5,
            disputed_min_working_days=7,
            sample_taken_at=None,
            service_phone="",
            **DISPUTED,
        )
    )
    return rendered


# The notices: form, structure, language


def test_a_notice_is_an_a4_pdf_with_the_welsh_section_first_then_the_english(notices):
    for rendered in notices.values():
        for page in rendered.reader.pages:
            assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)
        titles = [item.title for item in rendered.reader.outline if not isinstance(item, list)]
        assert titles == [WELSH_TITLES[rendered.data.kind], TITLES[rendered.data.kind]]
        assert "Gorffennaf" in rendered.welsh
        assert "Gorffennaf" not in rendered.english
        assert "July" in rendered.english
        assert "July" not in rendered.welsh


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_english_section_opens_with_the_form_and_the_assessment_reference(notices, kind):
    english = notices[kind].english
    assert english.startswith(
        f"Required Assessment: Drugs Act 2005, Part 3 {TITLES[kind]} "
        "This notice is in Welsh and in English. Each version is complete. "
        "Assessment reference RA-1A2B3C4D"
    )


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_both_sections_name_the_person_and_their_custody_record(notices, kind):
    welsh, english = notices[kind].welsh, notices[kind].english
    assert "Name Llŷr ap Gruffudd" in english
    assert "Date of birth 1 March 1990" in english
    assert "Pont reference P000123" in english
    assert "Custody record number CR/44/2607/0031" in english
    assert "Custody suite Aberystwyth custody suite" in english
    assert "RA-1A2B3C4D" in welsh
    assert "Llŷr ap Gruffudd" in welsh
    assert "1 Mawrth 1990" in welsh
    assert "P000123" in welsh
    assert "CR/44/2607/0031" in welsh
    assert "Dalfa Aberystwyth" in welsh
    assert "Aberystwyth custody suite" not in welsh


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_both_sections_give_the_sample_in_local_time_and_the_drugs_in_their_language(notices, kind):
    welsh, english = notices[kind].welsh, notices[kind].english
    assert (
        "A sample you gave in police custody tested positive for a specified Class A drug "
        "(Police and Criminal Evidence Act 1984, s.63B)." in english
    )
    # 13:40 UTC in July is 14:40 in Wales.
    assert "Date and time of the sample Friday 10 July 2026, 14:40" in english
    assert "Specified Class A drugs found Cocaine, Opiates (heroin)" in english
    assert "Dydd Gwener 10 Gorffennaf 2026, 14:40" in welsh
    assert "Cocên, Opiadau (heroin)" in welsh
    assert re.search(r"\b[sa]\.63B\b", welsh)


def test_a_sample_with_no_time_recorded_says_so(notices):
    rendered = notices["RA1 varied"]
    assert "Date and time of the sample Not recorded" in rendered.english


@pytest.mark.parametrize("kind", ["RA1", "RA2", "RA4"])
def test_the_requirement_cites_its_section_and_gives_the_appointment(notices, kind):
    rendered = notices[kind]
    welsh, english = rendered.welsh, rendered.english
    assert REQUIREMENTS[kind] in english
    when = {"RA4": "Tuesday 28 July 2026, 14:00"}.get(kind, "Tuesday 14 July 2026, 10:30")
    when_cy = {"RA4": "Dydd Mawrth 28 Gorffennaf 2026, 14:00"}.get(
        kind, "Dydd Mawrth 14 Gorffennaf 2026, 10:30"
    )
    assert (
        f"Date and time {when} Place {PLACE} Service Dyfed Drug and Alcohol Service "
        "Phone 01970 612345" in english
    )
    assert when_cy in welsh
    assert PLACE in welsh
    assert "Gwasanaeth Cyffuriau ac Alcohol Dyfed" in welsh
    assert "01970 612345" in welsh
    section = "10" if kind == "RA4" else "9"
    assert re.search(rf"\b[sa]\.{section}\b", welsh)


def test_an_appointment_without_a_phone_number_leaves_the_phone_out(notices):
    rendered = notices["RA1 varied"]
    assert "Service Dyfed Drug and Alcohol Service Because your sample" in rendered.english
    assert "Phone" not in rendered.english
    assert "01970" not in rendered.welsh


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_the_officers_notices_impose_the_follow_up_requirement_of_s10(notices, kind):
    english = notices[kind].english
    assert (FOLLOW_UP_REQUIREMENT in english) == (kind in ("RA1", "RA2"))


@pytest.mark.parametrize("kind", ["RA1", "RA2"])
def test_the_officers_notices_warn_of_both_offences_and_the_penalty(notices, kind):
    welsh, english = notices[kind].welsh, notices[kind].english
    assert f"{INITIAL_WARNING} {FOLLOW_UP_WARNING} {PENALTY.format(months=3, level=4)}" in english
    assert re.search(r"\b[sa]\.12\b", welsh)
    assert re.search(r"\b[sa]\.14\b", welsh)


def test_the_follow_up_notice_warns_of_the_s14_offence_only(notices):
    english = notices["RA4"].english
    assert f"{RA4_WARNING} {PENALTY.format(months=3, level=4)}" in english
    assert "s.12" not in english
    assert "Signed (assessor)" in english
    assert "This notice confirms in writing what the initial assessor told you" in english


def test_the_penalty_comes_from_the_data(notices):
    rendered = notices["RA1 varied"]
    assert PENALTY.format(months=6, level=5) in rendered.english
    assert "3 months" not in rendered.english
    assert "level 4" not in rendered.english
    assert re.search(r"\b6 mis\b", rendered.welsh)
    assert re.search(r"\blefel 5\b", rendered.welsh)


def test_the_variation_shows_the_appointment_it_replaces(notices):
    welsh, english = notices["RA2"].welsh, notices["RA2"].english
    assert (
        "The earlier appointment, which this notice replaces: it no longer applies "
        f"Date and time Monday 13 July 2026, 14:00 Place {PREVIOUS_PLACE}" in english
    )
    assert "Dydd Llun 13 Gorffennaf 2026, 14:00" in welsh
    assert PREVIOUS_PLACE in welsh
    assert PREVIOUS_PLACE not in notices["RA1"].english


def test_the_cessation_notice_says_nothing_more_is_required_and_gives_no_appointment(notices):
    welsh, english = notices["RA5"].welsh, notices["RA5"].english
    assert CEASED in english
    assert "You may still contact the service below for help at any time, if you choose." in (
        english
    )
    assert "Service Dyfed Drug and Alcohol Service Phone 01970 612345" in english
    for absent in ("Date and time Tuesday", "Place", "you commit an offence", "penalty"):
        assert absent not in english
    assert "Gorffennaf 2026, 10:30" not in welsh
    assert re.search(r"\b[sa]\.10\b", welsh)
    assert re.search(r"\b[sa]\.13\b", welsh)
    assert "Gwasanaeth Cyffuriau ac Alcohol Dyfed" in welsh


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_disputed_test_sentence_appears_only_when_a_sample_was_sent_for_analysis(notices, kind):
    disputed, undisputed = notices[f"{kind} disputed"], notices[kind]
    assert DISPUTED_SENTENCE in disputed.english
    assert "6 Gorffennaf 2026" in disputed.welsh
    assert re.search(r"\b[sa]\.16\b", disputed.welsh)
    for text in (undisputed.english, undisputed.welsh):
        assert "confirmatory" not in text
        assert "6 July 2026" not in text
        assert "6 Gorffennaf 2026" not in text
        assert not re.search(r"\b[sa]\.16\b", text)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_only_an_officers_notice_after_a_dispute_states_the_working_days(notices, kind):
    english = notices[f"{kind} disputed"].english
    assert (WORKING_DAYS in english) == (kind in ("RA1", "RA2"))
    assert "working day" not in notices[kind].english


def test_the_working_days_after_a_dispute_come_from_the_data(notices):
    rendered = notices["RA1 varied"]
    assert WORKING_DAYS.replace("5", "7") in rendered.english


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_both_sections_say_who_issued_the_notice_when_and_have_signature_lines(notices, kind):
    welsh, english = notices[kind].welsh, notices[kind].english
    issuer = OFFICER if kind in ("RA1", "RA2") else ASSESSOR
    signer = "officer" if kind in ("RA1", "RA2") else "assessor"
    section = "11" if kind in ("RA1", "RA2") else "13"
    assert english.endswith(
        f"(Drugs Act 2005, s.{section}). Issued by {issuer} "
        "Date and time issued Friday 10 July 2026, 16:05 "
        f"Signed ({signer}) Date and time "
        "I have received a copy of this notice (person) Date and time"
    )
    assert issuer in welsh
    assert "Dydd Gwener 10 Gorffennaf 2026, 16:05" in welsh
    assert re.search(rf"\b[sa]\.{section}\b", welsh)


def test_welsh_letters_survive_text_extraction(notices):
    for text in (notices["RA1"].welsh, notices["RA1"].english):
        assert "Llŷr" in text
        assert "Dŵr" in text
        assert "Môr" in text


def test_a_notice_is_tagged_for_accessibility_with_its_title_and_languages(notices):
    reader = notices["RA1"].reader
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "cy"
    assert catalog["/MarkInfo"]["/Marked"]
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()
    assert reader.metadata is not None
    assert reader.metadata.title.endswith(f" / {TITLES['RA1']}")
    tags: dict[str, int] = {}
    english_pages: set[int] = set()

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        tag = node.get("/S")
        if tag:
            tags[tag] = tags.get(tag, 0) + 1
        if tag == "/Sect" and node.get("/Lang") == "en":
            english_pages.add(reader.get_page_number(node["/Pg"].get_object()))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(catalog["/StructTreeRoot"])
    assert tags["/H1"] == 2
    assert tags["/H2"] >= 10
    assert tags["/Table"] >= 8
    headings = [item for item in reader.outline if not isinstance(item, list)]
    english_from = reader.get_destination_page_number(headings[1])
    assert english_pages == set(range(english_from, len(reader.pages)))


def test_the_same_data_gives_the_same_notice_byte_for_byte(notices):
    # So a served notice can be made again from its record and checked against its hash.
    assert notice_pdf(notices["RA2"].data) == notices["RA2"].pdf


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (replace(BASE, kind="RA3"), documents.UNKNOWN_NOTICE_KIND.format(kind="RA3")),
        (replace(BASE, appointment_at=None), documents.NOTICE_NEEDS_APPOINTMENT.format(kind="RA1")),
        (replace(BASE, place=" "), documents.NOTICE_NEEDS_APPOINTMENT.format(kind="RA1")),
        (replace(BASE, kind="RA2"), documents.NOTICE_RA2_NEEDS_PREVIOUS),
        (replace(BASE, kind="RA5"), documents.NOTICE_RA5_HAS_NO_APPOINTMENT),
        (
            replace(BASE, issued_at=datetime(2026, 7, 10, 15, 5)),  # noqa: DTZ001 - the point
            documents.NAIVE_TIME.format(name="issued_at"),
        ),
    ],
)
def test_a_notice_that_would_mislead_is_refused(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        notice_pdf(data)


# The breach evidence pack

BREACH = "BR-9F8E7D6C"


def _served(rendered: Rendered) -> ServedNotice:
    return ServedNotice(
        kind=rendered.data.kind,
        issued_at=rendered.data.issued_at,
        issued_by=rendered.data.issued_by,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        pdf=rendered.pdf,
    )


def _pack_data(notices: dict[str, Rendered], section: str) -> BreachPackData:
    follow_up = section == "s.14"
    served = ("RA1", "RA4") if follow_up else ("RA1", "RA2")
    return BreachPackData(
        breach_reference=BREACH,
        section=section,
        failure="failed_to_remain" if follow_up else "failed_to_attend",
        opened_at=datetime(2026, 7, 14, 16, 0, tzinfo=UTC),
        assessment_reference="RA-1A2B3C4D",
        person_name="Llŷr ap Gruffudd",
        person_date_of_birth=date(1990, 3, 1),
        person_reference="P000123",
        custody_record_number="CR/44/2607/0031",
        custody_suite="Aberystwyth custody suite",
        sample_taken_at=datetime(2026, 7, 10, 13, 40, tzinfo=UTC),
        positive_substances=("Cocaine", "Opiates (heroin)"),
        imposed_by=OFFICER,
        imposed_at=datetime(2026, 7, 10, 15, 0, tzinfo=UTC),
        service_name="Dyfed Drug and Alcohol Service",
        appointment_at=datetime(2026, 7, 28, 13, 0, tzinfo=UTC)
        if follow_up
        else datetime(2026, 7, 14, 9, 30, tzinfo=UTC),
        place=PLACE,
        attendance="Arrived 14:05, left at 14:20 before the assessment ended"
        if follow_up
        else "Did not attend; no contact",
        attendance_recorded_at=datetime(2026, 7, 14, 12, 0, tzinfo=UTC),
        attendance_recorded_by=ASSESSOR,
        notices=tuple(_served(notices[kind]) for kind in served),
        timeline=(
            TimelineEntry(datetime(2026, 7, 10, 13, 40, tzinfo=UTC), "Sample taken", OFFICER),
            TimelineEntry(datetime(2026, 7, 10, 15, 5, tzinfo=UTC), "Notice RA1 given", OFFICER),
            TimelineEntry(
                datetime(2026, 7, 14, 12, 0, tzinfo=UTC), "Attendance recorded", ASSESSOR
            ),
        ),
        made_at=datetime(2026, 7, 15, 8, 0, tzinfo=UTC),
    )


@dataclass(frozen=True)
class Pack:
    data: BreachPackData
    reader: PdfReader
    pages: list[str]


@pytest.fixture(scope="module")
def packs(notices) -> dict[str, Pack]:
    made = {}
    for section in ("s.12", "s.14"):
        data = _pack_data(notices, section)
        reader = PdfReader(BytesIO(breach_pack_pdf(data)))
        made[section] = Pack(data, reader, [_normalised(p.extract_text()) for p in reader.pages])
    return made


def _own_pages(pack: Pack) -> list[int]:
    return [i for i, text in enumerate(pack.pages) if f"Breach evidence pack {BREACH} Page" in text]


def _page_starting(pack: Pack, heading: str) -> int:
    return next(i for i, text in enumerate(pack.pages) if text.startswith(heading))


@pytest.mark.parametrize("section", ["s.12", "s.14"])
def test_the_pack_is_its_own_pages_and_every_page_of_every_notice(packs, section):
    pack = packs[section]
    notice_pages = sum(len(PdfReader(BytesIO(n.pdf)).pages) for n in pack.data.notices)
    own = _own_pages(pack)
    assert len(own) >= 9  # cover, contents, a page per notice, sections 2-6
    assert len(pack.reader.pages) == len(own) + notice_pages
    total = len(pack.reader.pages)
    for number, index in enumerate(own, start=1):
        assert pack.pages[index].endswith(f"Page {index + 1} of {total}"), number


@pytest.mark.parametrize("section", ["s.12", "s.14"])
def test_each_notice_is_in_the_pack_whole_and_unchanged_after_its_separator(
    notices, packs, section
):
    pack = packs[section]
    count = len(pack.data.notices)
    for number, served in enumerate(pack.data.notices, start=1):
        separator = next(
            i for i, text in enumerate(pack.pages) if f"Notice {number} of {count}: " in text
        )
        original = notices[served.kind]
        for offset, page in enumerate(original.reader.pages):
            inside = separator + 1 + offset
            assert pack.reader.pages[inside].get_contents().get_data() == (
                page.get_contents().get_data()
            )
            assert pack.pages[inside] == original.pages[offset]


@pytest.mark.parametrize("section", ["s.12", "s.14"])
def test_the_printed_sha256_is_the_notices_and_the_attached_file_is_the_notice(packs, section):
    pack = packs[section]
    attached = pack.reader.attachments
    for number, served in enumerate(pack.data.notices, start=1):
        digest = hashlib.sha256(served.pdf).hexdigest()
        separator = next(
            text for text in pack.pages if f"Notice {number} of {len(pack.data.notices)}" in text
        )
        assert f"Kind {TITLES[served.kind]}" in separator
        assert f"Issued by {served.issued_by}" in separator
        assert "Issued at Friday 10 July 2026, 16:05" in separator or served.kind != "RA1"
        assert f"SHA-256 {digest}" in separator
        (name,) = [name for name in attached if name.startswith(f"notice-{number}-{served.kind}")]
        assert [hashlib.sha256(data).hexdigest() for data in attached[name]] == [digest]


def test_the_cover_names_the_offence_the_failure_and_the_dates(packs):
    initial, follow_up = packs["s.12"].pages[0], packs["s.14"].pages[0]
    assert initial.startswith("Required Assessment: Drugs Act 2005, Part 3 Breach evidence pack")
    assert f"Breach reference {BREACH}" in initial
    assert (
        "Offence Drugs Act 2005, s.12: failing without good cause to attend an initial "
        "assessment, or to remain for its duration" in initial
    )
    assert "The failure Llŷr ap Gruffudd did not attend the initial assessment." in initial
    assert "Custody record CR/44/2607/0031, Aberystwyth custody suite" in initial
    assert "Positive sample Friday 10 July 2026, 14:40: Cocaine, Opiates (heroin)" in initial
    assert f"Friday 10 July 2026, 16:00, by {OFFICER}" in initial
    assert "Breach opened Tuesday 14 July 2026, 17:00" in initial
    assert "Pack made Wednesday 15 July 2026, 09:00" in initial
    assert "s.14" not in initial
    assert "Offence Drugs Act 2005, s.14: failing without good cause to attend a follow-up" in (
        follow_up
    )
    assert (
        "The failure Llŷr ap Gruffudd attended the follow-up assessment but did not remain "
        "for its duration." in follow_up
    )
    assert "s.12" not in follow_up


@pytest.mark.parametrize("section", ["s.12", "s.14"])
def test_the_contents_give_the_page_each_part_starts_on(packs, section):
    pack = packs[section]
    contents = pack.pages[1]
    assert contents.startswith("Contents")
    for heading in (
        "1. The notices as served",
        "2. Proof of service",
        "3. The appointment",
        "4. The provider's attendance record",
        "5. Timeline",
        "6. Statement of witness",
    ):
        match = re.search(re.escape(heading) + r" [. ]*(\d+)", contents)
        assert match, heading
        assert int(match.group(1)) == _page_starting(pack, heading) + 1, heading


def test_the_proof_of_service_appointment_attendance_and_timeline_come_from_the_data(packs):
    pack = packs["s.12"]
    service = pack.pages[_page_starting(pack, "2. Proof of service")]
    assert f"Required Assessment imposed by {OFFICER}" in service
    assert "Imposed at Friday 10 July 2026, 16:00" in service
    assert f"RA1 Friday 10 July 2026, 16:05 {OFFICER}" in service
    assert "I have received a copy of this notice" in service
    appointment = pack.pages[_page_starting(pack, "3. The appointment")]
    assert "Assessment Initial assessment (Drugs Act 2005, s.9)" in appointment
    assert "Date and time Tuesday 14 July 2026, 10:30" in appointment
    assert f"Place {PLACE}" in appointment
    assert "Service Dyfed Drug and Alcohol Service" in appointment
    assert f"Given to the person by Notice RA2, issued Friday 10 July 2026, 16:05 by {OFFICER}" in (
        appointment
    )
    attendance = pack.pages[_page_starting(pack, "4. The provider's attendance record")]
    assert "What was recorded Did not attend; no contact" in attendance
    assert "Recorded at Tuesday 14 July 2026, 13:00" in attendance
    assert f"Recorded by {ASSESSOR}" in attendance
    timeline = pack.pages[_page_starting(pack, "5. Timeline")]
    assert f"At What Who Friday 10 July 2026, 14:40 Sample taken {OFFICER}" in timeline
    assert f"Tuesday 14 July 2026, 13:00 Attendance recorded {ASSESSOR}" in timeline


def test_the_statement_is_a_witness_statement_filled_in_from_the_data(packs):
    pack = packs["s.12"]
    statement = " ".join(pack.pages[_page_starting(pack, "6. Statement of witness") :])
    assert statement.startswith(
        "6. Statement of witness (Criminal Procedure Rules r.16.2; Criminal Justice Act 1967 "
        f"s.9) Statement of {OFFICER}"
    )
    assert (
        "I make it knowing that, if it is tendered in evidence, I shall be liable to "
        "prosecution if I have wilfully stated in it anything which I know to be false, or do "
        "not believe to be true." in statement
    )
    assert "Signature Date" in statement
    assert (
        "On Friday 10 July 2026 at 14:40, at Aberystwyth custody suite, Llŷr ap Gruffudd "
        "(born 1 March 1990; custody record CR/44/2607/0031) gave a sample that tested "
        "positive for a specified Class A drug: Cocaine, Opiates (heroin)" in statement
    )
    assert (
        "On Friday 10 July 2026 at 16:00 I required Llŷr ap Gruffudd to attend an initial "
        "assessment of their drug misuse and to remain for its duration (Drugs Act 2005, s.9)"
        in statement
    )
    assert (
        "the initial assessment would take place on Tuesday 14 July 2026 at 10:30 at "
        f"{PLACE}, with Dyfed Drug and Alcohol Service." in statement
    )
    assert "I warned them that failing without good cause to attend an assessment" in statement
    assert (
        f"On Tuesday 14 July 2026 at 13:00, the assessor ({ASSESSOR}, Dyfed Drug and Alcohol "
        "Service) reported that Llŷr ap Gruffudd did not attend the initial assessment. "
        'The record reads: "Did not attend; no contact".' in statement
    )


def test_the_follow_up_statement_gives_the_assessors_notice_of_the_follow_up(packs):
    pack = packs["s.14"]
    statement = " ".join(pack.pages[_page_starting(pack, "6. Statement of witness") :])
    assert (
        f"On Friday 10 July 2026 at 16:05 the initial assessor ({ASSESSOR}) gave them notice "
        "RA4, requiring them to attend a follow-up assessment on Tuesday 28 July 2026 at 14:00 "
        f"at {PLACE}, with Dyfed Drug and Alcohol Service, and to remain for its duration "
        "(s.13)." in statement
    )
    assert "reported that Llŷr ap Gruffudd attended the follow-up assessment but did not" in (
        statement
    )
    assert "the initial assessment would take place" not in statement


def test_a_notice_that_does_not_match_its_stored_hash_is_refused(notices):
    data = _pack_data(notices, "s.12")
    tampered = replace(data.notices[0], sha256="0" * 64)
    with pytest.raises(ValueError, match=re.escape("Notice 1 (RA1) does not match")):
        breach_pack_pdf(replace(data, notices=(tampered, *data.notices[1:])))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"section": "s.11"}, documents.UNKNOWN_BREACH_SECTION.format(section="s.11")),
        ({"failure": "late"}, documents.UNKNOWN_FAILURE.format(failure="late")),
    ],
)
def test_a_pack_for_an_unknown_offence_or_failure_is_refused(notices, changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        breach_pack_pdf(replace(_pack_data(notices, "s.12"), **changes))


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_welsh_section_is_in_welsh_from_its_heading_to_its_signatures(notices, kind):
    welsh = notices[kind].welsh
    assert (
        f"Asesiad Gofynnol: Deddf Cyffuriau 2005, Rhan 3 {WELSH_TITLES[kind]} "
        "Mae'r hysbysiad hwn yn Gymraeg ac yn Saesneg. Mae pob fersiwn yn gyflawn. "
        "Cyfeirnod yr asesiad RA-1A2B3C4D"
    ) in welsh
    signed = "Llofnod (swyddog)" if kind in {"RA1", "RA2"} else "Llofnod (asesydd)"
    assert f"{signed} Dyddiad ac amser" in welsh
    assert welsh.rstrip().endswith(
        "Rwyf wedi cael copi o'r hysbysiad hwn (person) Dyddiad ac amser"
    )
    for english in ("Signed", "Date and time", "Required Assessment", "This notice"):
        assert english not in welsh
    if kind == "RA5":
        assert "mae eich gofyniad i fynychu asesiad dilynol wedi dod i ben" in welsh
