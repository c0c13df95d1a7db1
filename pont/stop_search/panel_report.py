"""The Quality Assurance Panel's session report, as a PDF (WeasyPrint, tagged PDF/UA-1).

Made from `ReportData`, which holds the session's facts and its cases as the
panel saw them (`PanelRecord`s: pseudonymised) with the judgements counted and
the members' comments unattributed, and the force's response. Nothing else
about the searches reaches the report. Rendered in the reader's language; the
same data in the same language gives the same bytes.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from pont.core.pdf import rendering_in, tagged_pdf

from . import panel_selectors
from .models import PanelSession

REPORT_TEMPLATE = "stop_search/pdf/panel_report.html"


@dataclass(frozen=True)
class ReportCase:
    record: panel_selectors.PanelRecord
    grounds: panel_selectors.Tally
    fairly: panel_selectors.Tally
    comments: tuple[str, ...]


@dataclass(frozen=True)
class ReportData:
    panel: str
    force: str
    month: date
    meeting_date: date
    opened_at: datetime
    closed_at: datetime
    population: int
    cases: tuple[ReportCase, ...]
    grounds: panel_selectors.Tally
    fairly: panel_selectors.Tally
    force_response: str
    responded_at: datetime | None


def report_data(session: PanelSession) -> ReportData:
    """The report's data from a closed session."""
    if session.opened_at is None or session.closed_at is None:
        raise ValueError("A report is made of a closed session.")
    cases = []
    everyone = []
    for case in panel_selectors.cases_of(session=session):
        judgements = list(case.judgements.all())
        everyone += judgements
        cases.append(
            ReportCase(
                record=panel_selectors.panel_record(case),
                grounds=panel_selectors.tally(judgements, "reasonable_grounds"),
                fairly=panel_selectors.tally(judgements, "treated_fairly"),
                comments=tuple(j.comments for j in judgements if j.comments),
            )
        )
    return ReportData(
        panel=session.panel.display_name,
        force=session.controller.display_name,
        month=session.month,
        meeting_date=session.meeting_date,
        opened_at=session.opened_at,
        closed_at=session.closed_at,
        population=session.population,
        cases=tuple(cases),
        grounds=panel_selectors.tally(everyone, "reasonable_grounds"),
        fairly=panel_selectors.tally(everyone, "treated_fairly"),
        force_response=session.force_response,
        responded_at=session.responded_at,
    )


def report_pdf(data: ReportData, *, language: str = "en") -> bytes:
    """The report as a PDF in the language given (Welsh or English)."""
    language = "cy" if language.startswith("cy") else "en"
    with rendering_in(language):
        title = _("Quality Assurance Panel: stop and search session report")
        html = render_to_string(
            REPORT_TEMPLATE, {"data": data, "title": title, "language": language}
        )
    return tagged_pdf(html, at=data.closed_at)
