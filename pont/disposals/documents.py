"""The notice of an out-of-court disposal, as a PDF (WeasyPrint), in Welsh and English.

The service builds the plain data below from the records and calls
`notice_pdf`, which reads nothing from the database: the notice is exactly
what its data says, can be tested on its own, and the same data always gives
the same bytes. Welsh first (Welsh Language Standards), each version
complete; tagged PDF/UA-1, the English section declared as English.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pont.core.pdf import english_from, rendering_in, tagged_pdf

TEMPLATE = "disposals/pdf/notice.html"
SECTION_TEMPLATE = "disposals/pdf/_notice_section.html"
ENGLISH_SECTION_ID = "notice-en"
TITLE = _("Out-of-court disposal: your notice")
CONSEQUENCES = {"none", "prosecution", "financial_penalty"}
# Why a notice is given (DisposalNotice.Occasion): the first, at issue, or one replacing it.
OCCASIONS = {"issue", "more_time", "new_service"}


@dataclass(frozen=True)
class Bilingual:
    en: str
    cy: str

    def __call__(self, language: str) -> str:
        return self.cy if language == "cy" else self.en


@dataclass(frozen=True)
class ConditionLine:
    what: Bilingual
    details: str
    deadline: date
    hours: int | None = None
    amount_pence: int | None = None
    service: str = ""


@dataclass(frozen=True)
class NoticeData:
    reference: str  # OOCD-1A2B3C4D
    issued_at: datetime
    issued_by: str
    person_name: str
    person_date_of_birth: date
    scheme: Bilingual
    consequence: str  # none, prosecution, financial_penalty
    offences: tuple[Bilingual, ...]
    conditions: tuple[ConditionLine, ...]
    # A later notice (given with more time after a breach, or when a condition is sent to
    # another service) replaces the one the person holds: when that was given, and why the
    # new one is given (OCCASIONS). Its conditions are those still to do, as they are now.
    replaces: datetime | None = None
    occasion: str = "issue"


def _check(data: NoticeData) -> None:
    if timezone.is_naive(data.issued_at):
        raise ValueError("issued_at must be an aware datetime (a notice states local time).")
    if data.consequence not in CONSEQUENCES:
        raise ValueError(f"Unknown consequence {data.consequence!r}.")
    if not data.offences:
        raise ValueError("A notice names the offence.")
    if data.occasion not in OCCASIONS:
        raise ValueError(f"Unknown occasion {data.occasion!r}.")
    if (data.replaces is None) != (data.occasion == "issue"):
        raise ValueError("A notice replaces another exactly when it is not the first.")
    if data.replaces is not None and not data.replaces < data.issued_at:
        raise ValueError("A notice replaces one given before it.")


def _section(data: NoticeData, language: str) -> str:
    return render_to_string(
        SECTION_TEMPLATE,
        {
            "data": data,
            "language": language,
            "title": TITLE,
            "scheme": data.scheme(language),
            "offences": [o(language) for o in data.offences],
            "conditions": [
                {
                    "what": c.what(language),
                    "details": c.details,
                    "deadline": c.deadline,
                    "hours": c.hours,
                    "amount": f"£{c.amount_pence / 100:,.2f}" if c.amount_pence else "",
                    "service": c.service,
                }
                for c in data.conditions
            ],
        },
    )


def notice_pdf(data: NoticeData) -> bytes:
    """The notice as a PDF, Welsh then English."""
    _check(data)
    sections, titles = [], []
    for language in ("cy", "en"):
        with rendering_in(language):
            sections.append(_section(data, language))
            titles.append(str(TITLE))
    html = render_to_string(
        TEMPLATE, {"title": " / ".join(titles), "sections": sections, "created": data.issued_at}
    )
    return tagged_pdf(html, at=data.issued_at, finisher=english_from(ENGLISH_SECTION_ID))
