"""The documents of Required Assessment, as PDFs (WeasyPrint): notices RA1, RA2, RA4, RA5
and the breach evidence pack.

Services build the plain data below from the records and call these functions;
the functions read nothing from the database, so a notice is exactly what its
data says and can be tested on its own. Notices to the person are complete in
Welsh and in English (both languages in the one document, Welsh first).
"""

from dataclasses import dataclass, field
from datetime import date, datetime


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


def notice_pdf(data: NoticeData) -> bytes:
    """The notice as a PDF, in Welsh and English."""
    raise NotImplementedError("documents.notice_pdf is being built")


def breach_pack_pdf(data: BreachPackData) -> bytes:
    """The breach evidence pack as one PDF."""
    raise NotImplementedError("documents.breach_pack_pdf is being built")
