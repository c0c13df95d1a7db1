"""The scrutiny panel's session report, as a PDF (WeasyPrint, tagged PDF/UA-1).

Made from `ReportData`: the sample's facts and its cases as the panel saw them
(`scrutiny_selectors.ScrutinyRecord`s: pseudonymised), with the answers counted
and the members' comments unattributed. Nothing else about the disposals reaches
the report. Made of a closed sample only, so it is final; rendered in the
reader's language (every string through gettext), and the same data in the same
language gives the same bytes (the fonts carry the closing time).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from pont.core.pdf import rendering_in, tagged_pdf

from . import scrutiny_selectors
from .models import ScrutinySample

REPORT_TEMPLATE = "disposals/pdf/scrutiny_report.html"


@dataclass(frozen=True)
class ReportCase:
    record: scrutiny_selectors.ScrutinyRecord
    appropriate: scrutiny_selectors.Tally
    consistent: scrutiny_selectors.Tally
    comments: tuple[str, ...]


@dataclass(frozen=True)
class ReportData:
    force: str
    month: date
    drawn_at: datetime
    closed_at: datetime
    population: int
    size: int
    reviewers: int
    cases: tuple[ReportCase, ...]
    appropriate: scrutiny_selectors.Tally
    consistent: scrutiny_selectors.Tally
    followed: int  # decisions that followed Pont's recommendation


def report_data(sample: ScrutinySample) -> ReportData:
    """The report's data from a closed sample."""
    if sample.closed_at is None:
        raise ValueError("A report is made of a closed sample.")
    cases = list(scrutiny_selectors.cases_of(sample=sample))
    letters = scrutiny_selectors.officer_letters(sample, cases)
    made = []
    everyone = []
    for case in cases:
        reviews = list(case.reviews.all())
        everyone += reviews
        made.append(
            ReportCase(
                record=scrutiny_selectors.scrutiny_record(case, letters),
                appropriate=scrutiny_selectors.tally(reviews, "appropriate"),
                consistent=scrutiny_selectors.tally(reviews, "consistent"),
                comments=tuple(r.comments for r in reviews if r.comments),
            )
        )
    return ReportData(
        force=sample.controller.display_name,
        month=sample.month,
        drawn_at=sample.drawn_at,
        closed_at=sample.closed_at,
        population=sample.population,
        size=sample.size,
        reviewers=len({r.reviewer_id for r in everyone}),
        cases=tuple(made),
        appropriate=scrutiny_selectors.tally(everyone, "appropriate"),
        consistent=scrutiny_selectors.tally(everyone, "consistent"),
        followed=sum(1 for c in made if c.record.follows_recommendation),
    )


def report_pdf(data: ReportData, *, language: str = "en") -> bytes:
    """The report as a PDF in the language given (Welsh or English)."""
    language = "cy" if language.startswith("cy") else "en"
    with rendering_in(language):
        title = _("Out-of-court disposals scrutiny panel: session report")
        html = render_to_string(
            REPORT_TEMPLATE, {"data": data, "title": title, "language": language}
        )
    return tagged_pdf(html, at=data.closed_at)
