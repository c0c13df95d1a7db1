"""The documents of Required Assessment, as PDFs (WeasyPrint): notices RA1, RA2, RA4, RA5
and the breach evidence pack.

Services build the plain data below from the records and call these functions;
the functions read nothing from the database, so a notice is exactly what its
data says and can be tested on its own. Notices to the person are complete in
Welsh and in English (both languages in the one document, Welsh first), tagged
PDF/UA-1 for screen readers, and the same data always gives the same bytes. The
breach pack is for the police and the CPS, in English; it carries each notice
exactly as served. Nothing is fetched while rendering: no file, no network.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from pypdf import PdfReader, PdfWriter

from pont.core.pdf import (
    LOCAL_TIME,
    english_from,
    font_clock,
    html_document,
    rendering_in,
    tagged_pdf,
)
from pont.drug_testing.models import BreachCase, Notice


@dataclass(frozen=True)
class Bilingual:
    en: str
    cy: str


@dataclass(frozen=True)
class NoticeData:
    """Everything a notice shows. `kind` is RA1, RA2, RA4 or RA5."""

    kind: str
    assessment_reference: str  # e.g. RA-1A2B3C4D
    issued_at: datetime
    issued_by: str  # the officer (RA1, RA2) or the assessor (RA4, RA5), with their organisation
    person_name: str
    person_date_of_birth: date
    person_reference: str  # e.g. P000123
    custody_record_number: str
    custody_suite: Bilingual
    sample_taken_at: datetime | None
    positive_substances: tuple[Bilingual, ...]
    service_name: Bilingual  # the assessor's service
    service_phone: str  # how to reach the assessor ("" if none recorded)
    # RA1 and RA2: the initial assessment; RA4: the follow-up assessment. None for RA5.
    appointment_at: datetime | None
    place: str
    # RA2 only: what it replaces.
    previous_appointment_at: datetime | None = None
    previous_place: str = ""
    # A disputed test: the confirmatory sample was sent on this day (Drugs Act 2005 s.16).
    confirmatory_sent_at: datetime | None = None
    # The penalty for failing to attend or remain (reference data, dated): months, fine level.
    penalty_months: int = 3
    penalty_fine_level: int = 4
    # The earliest appointment after a disputed sample is sent (rule disputed_min_working_days).
    disputed_min_working_days: int = 5


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    who: str


@dataclass(frozen=True)
class ServedNotice:
    kind: str
    issued_at: datetime
    issued_by: str
    sha256: str
    pdf: bytes


@dataclass(frozen=True)
class BreachPackData:
    """The evidence for a prosecution under Drugs Act 2005 s.12 (initial) or s.14 (follow-up)."""

    breach_reference: str
    section: str  # "s.12" or "s.14"
    failure: str  # "failed_to_attend" or "failed_to_remain"
    opened_at: datetime
    assessment_reference: str
    person_name: str
    person_date_of_birth: date
    person_reference: str
    custody_record_number: str
    custody_suite: str
    sample_taken_at: datetime | None
    positive_substances: tuple[str, ...]
    imposed_by: str
    imposed_at: datetime
    service_name: str
    appointment_at: datetime
    place: str
    attendance: str  # as the assessor recorded it, in words
    attendance_recorded_at: datetime | None
    attendance_recorded_by: str
    notices: tuple[ServedNotice, ...]  # as served, in order: the pack includes each PDF whole
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    made_at: datetime | None = None


# Times on a notice are the local time of the place the person must attend: Wales.
# "Tuesday 1 December 2026, 10:30" (Welsh: "Dydd Mawrth 1 Rhagfyr 2026, 10:30").
DATE_TIME_FORMAT = "l j F Y, H:i"
# In an English sentence: "on Tuesday 1 December 2026 at 10:30".
SENTENCE_DATE_TIME_FORMAT = r"l j F Y \a\t H:i"
# A notice is tagged for assistive technology (PDF/UA-1: tags, language, title).

NOTICE_TEMPLATE = "drug_testing/pdf/notice.html"
NOTICE_SECTION_TEMPLATE = "drug_testing/pdf/_notice_section.html"
BREACH_PACK_TEMPLATE = "drug_testing/pdf/breach_pack.html"

NOTICE_TITLES: dict[str, StrOrPromise] = {
    Notice.Kind.RA1: _("RA1 Notice of requirement to attend an initial assessment"),
    Notice.Kind.RA2: _("RA2 Notice of a change to the time or place of an initial assessment"),
    Notice.Kind.RA4: _("RA4 Notice of requirement to attend a follow-up assessment"),
    Notice.Kind.RA5: _(
        "RA5 Notice that the requirement to attend a follow-up assessment has ceased"
    ),
}
# The notices an officer gives (Drugs Act 2005 s.11); RA4 and RA5 come from the initial assessor.
OFFICER_NOTICES = (Notice.Kind.RA1, Notice.Kind.RA2)

# s.12 is the offence for the initial assessment, s.14 for the follow-up.
BREACH_SECTIONS = ("s.12", "s.14")
FAILURE_WORDS = {
    ("s.12", "failed_to_attend"): "did not attend the initial assessment",
    ("s.12", "failed_to_remain"): (
        "attended the initial assessment but did not remain for its duration"
    ),
    ("s.14", "failed_to_attend"): "did not attend the follow-up assessment",
    ("s.14", "failed_to_remain"): (
        "attended the follow-up assessment but did not remain for its duration"
    ),
}
SLOT_PREFIX = "notice-slot-"
ENGLISH_SECTION_ID = "notice-en"  # the id of the English section in _notice_section.html

UNKNOWN_NOTICE_KIND = "Unknown notice kind {kind!r}: use RA1, RA2, RA4 or RA5."
NOTICE_NEEDS_APPOINTMENT = "Notice {kind} must give the time and place of the appointment."
NOTICE_RA2_NEEDS_PREVIOUS = "Notice RA2 must give the time and place it replaces."
NOTICE_RA5_HAS_NO_APPOINTMENT = "Notice RA5 ends the requirement: it has no appointment."
NAIVE_TIME = "{name} must be an aware datetime (a notice states local time)."
UNKNOWN_BREACH_SECTION = "Unknown breach section {section!r}: use s.12 or s.14."
UNKNOWN_FAILURE = "Unknown failure {failure!r}: use failed_to_attend or failed_to_remain."
NOTICE_HASH_MISMATCH = (
    "Notice {number} ({kind}) does not match its stored SHA-256: it is not the notice as served."
)
SLOTS_MISPLACED = "The pack's layout lost a page reserved for a notice."


def _require_aware(**values: datetime | None) -> None:
    """Refuse a naive datetime: the document could not say which local time it means."""
    for name, value in values.items():
        if value is not None and timezone.is_naive(value):
            raise ValueError(NAIVE_TIME.format(name=name))


def _in(text: Bilingual, language: str) -> str:
    """Return the text in this language."""
    return text.cy if language == "cy" else text.en


def _check_notice(data: NoticeData) -> None:
    """Refuse data that would make an incomplete or misleading notice."""
    if data.kind not in NOTICE_TITLES:
        raise ValueError(UNKNOWN_NOTICE_KIND.format(kind=data.kind))
    if data.kind == Notice.Kind.RA5:
        if data.appointment_at is not None:
            raise ValueError(NOTICE_RA5_HAS_NO_APPOINTMENT)
    elif data.appointment_at is None or not data.place.strip():
        # Drugs Act 2005 s.11(2), s.13: the person must be told the time and place.
        raise ValueError(NOTICE_NEEDS_APPOINTMENT.format(kind=data.kind))
    if data.kind == Notice.Kind.RA2 and (
        data.previous_appointment_at is None or not data.previous_place.strip()
    ):
        raise ValueError(NOTICE_RA2_NEEDS_PREVIOUS)
    _require_aware(
        issued_at=data.issued_at,
        sample_taken_at=data.sample_taken_at,
        appointment_at=data.appointment_at,
        previous_appointment_at=data.previous_appointment_at,
        confirmatory_sent_at=data.confirmatory_sent_at,
    )


def _notice_section(data: NoticeData, language: str) -> str:
    """One complete notice in one language (the current one)."""
    context = {
        "data": data,
        "language": language,
        "title": NOTICE_TITLES[data.kind],
        "kind": data.kind,
        "by_officer": data.kind in OFFICER_NOTICES,
        "custody_suite": _in(data.custody_suite, language),
        "substances": [_in(substance, language) for substance in data.positive_substances],
        "service_name": _in(data.service_name, language),
        "when": DATE_TIME_FORMAT,
    }
    return render_to_string(NOTICE_SECTION_TEMPLATE, context)


def notice_pdf(data: NoticeData) -> bytes:
    """The notice as a PDF, in Welsh and English."""
    _check_notice(data)
    sections, titles = [], []
    # Welsh first: Welsh is treated no less favourably than English (Welsh Language Standards).
    for language in ("cy", "en"):
        with rendering_in(language):
            sections.append(_notice_section(data, language))
            titles.append(str(NOTICE_TITLES[data.kind]))
    html = render_to_string(
        NOTICE_TEMPLATE,
        {"title": " / ".join(titles), "sections": sections, "created": data.issued_at},
    )
    return tagged_pdf(html, at=data.issued_at, finisher=english_from(ENGLISH_SECTION_ID))


def _check_breach_pack(data: BreachPackData) -> None:
    """Refuse an unknown offence or failure, and any notice that is not the one served."""
    if data.section not in BREACH_SECTIONS:
        raise ValueError(UNKNOWN_BREACH_SECTION.format(section=data.section))
    if data.failure not in {choice.value for choice in BreachCase.Failure}:
        raise ValueError(UNKNOWN_FAILURE.format(failure=data.failure))
    _require_aware(
        opened_at=data.opened_at,
        sample_taken_at=data.sample_taken_at,
        imposed_at=data.imposed_at,
        appointment_at=data.appointment_at,
        attendance_recorded_at=data.attendance_recorded_at,
        made_at=data.made_at,
    )
    for number, notice in enumerate(data.notices, start=1):
        _require_aware(**{f"notice {number} issued_at": notice.issued_at})
        digest = hashlib.sha256(notice.pdf).hexdigest()
        if notice.sha256 and notice.sha256.lower() != digest:
            raise ValueError(NOTICE_HASH_MISMATCH.format(number=number, kind=notice.kind))
    for entry in data.timeline:
        _require_aware(timeline=entry.at)


@dataclass(frozen=True)
class _PackNotice:
    """A served notice as the pack shows it."""

    number: int
    notice: ServedNotice
    reader: PdfReader
    sha256: str

    @property
    def pages(self) -> int:
        return len(self.reader.pages)

    @property
    def slots(self) -> list[str]:
        """The ids of the pack pages reserved for this notice's pages."""
        return [f"{SLOT_PREFIX}{self.number}-{page}" for page in range(self.pages)]

    @property
    def title(self) -> StrOrPromise:
        """The notice's form heading, in the language rendering it."""
        return NOTICE_TITLES.get(self.notice.kind, self.notice.kind)

    @property
    def attachment(self) -> str:
        issued = timezone.localtime(self.notice.issued_at, LOCAL_TIME)
        return f"notice-{self.number}-{self.notice.kind}-{issued:%Y%m%d-%H%M}.pdf"


def breach_pack_pdf(data: BreachPackData) -> bytes:
    """The breach evidence pack as one PDF.

    The pack's own pages are laid out with one empty page reserved for each page
    of each notice, so that page numbers and the contents page count the notices;
    the reserved pages are then replaced by the notice's own pages, unchanged
    (pypdf). Each notice is also attached to the PDF as the file that was served,
    so its SHA-256 can be checked against the one printed before it.
    """
    _check_breach_pack(data)
    notices = [
        _PackNotice(
            number=number,
            notice=notice,
            reader=PdfReader(BytesIO(notice.pdf)),
            sha256=hashlib.sha256(notice.pdf).hexdigest(),
        )
        for number, notice in enumerate(data.notices, start=1)
    ]
    notice_pages = sum(notice.pages for notice in notices)
    initial_notices = [n for n in data.notices if n.kind in OFFICER_NOTICES]
    follow_up_notices = [n for n in data.notices if n.kind == Notice.Kind.RA4]
    context = {
        "data": data,
        "follow_up": data.section == "s.14",
        "failure_words": FAILURE_WORDS[(data.section, data.failure)],
        "notices": notices,
        "last_initial_notice": initial_notices[-1] if initial_notices else None,
        "follow_up_notice": follow_up_notices[-1] if follow_up_notices else None,
        "when": DATE_TIME_FORMAT,
        "at": SENTENCE_DATE_TIME_FORMAT,
    }
    # An evidential document for the police and the CPS: English only.
    with rendering_in("en"):
        html = render_to_string(BREACH_PACK_TEMPLATE, context)
    document = html_document(html).render()

    slots: dict[int, tuple[int, int]] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(SLOT_PREFIX):
                number, page_number = anchor.removeprefix(SLOT_PREFIX).split("-")
                slots[index] = (int(number), int(page_number))
    if len(slots) != notice_pages:
        raise RuntimeError(SLOTS_MISPLACED)
    own = document.copy([page for index, page in enumerate(document.pages) if index not in slots])

    with font_clock(data.made_at or data.opened_at):
        writer = PdfWriter(clone_from=BytesIO(own.write_pdf()))
    # In page order, each reserved page's position is where its notice page belongs.
    for index in sorted(slots):
        number, page_number = slots[index]
        writer.insert_page(notices[number - 1].reader.pages[page_number], index)
    for notice in notices:
        writer.add_attachment(notice.attachment, notice.notice.pdf)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
