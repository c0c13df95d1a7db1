"""The person's copy of a search record (PACE Code A 4.10), as a PDF in Welsh and English.

`copy_data` reads the search once and writes down, in each language, every line
the copy shows (Code A 4.3: the name or the description, ethnicity, the vehicle,
when and where, what was looked for, the grounds, the outcome, any injury or
damage, the officer); `copy_pdf` renders that data alone, Welsh first, tagged
PDF/UA-1, the same bytes for the same data. It never shows what Pont adds for
the force (the officer-defined ethnicity, the audit, amendments' evidence).
"""

from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pont.core.pdf import LOCAL_TIME, rendering_in, tagged_pdf

from . import selectors
from .models import Search

TEMPLATE = "stop_search/pdf/record_copy.html"
SECTION_TEMPLATE = "stop_search/pdf/_record_copy_section.html"
LANGUAGES = ("cy", "en")  # Welsh first (Welsh Language Standards)


@dataclass(frozen=True)
class CopySection:
    language: str
    title: str
    lines: tuple[tuple[str, str], ...]  # (what, the record's words)


@dataclass(frozen=True)
class CopyData:
    reference: str
    made_at: datetime  # the record's own time, so the same record gives the same bytes
    sections: tuple[CopySection, ...]


def reference_of(search: Search) -> str:
    return f"S-{str(search.pk).replace('-', '')[:8].upper()}"


def _yes_no(value: bool | None) -> str:
    return "–" if value is None else (_("Yes") if value else _("No"))


def _lines(search: Search) -> tuple[tuple[str, str], ...]:
    """The copy's lines in the active language."""
    labels = selectors.search_labels(search)
    local = timezone.localtime(search.occurred_at, LOCAL_TIME)
    when = (
        formats.date_format(search.local_date, "j F Y")
        if search.day_only
        else f"{formats.date_format(local, 'j F Y')}, {local:%H:%M}"
    )
    person = search.person
    lines: list[tuple[str, str]] = [
        (_("Reference"), reference_of(search)),
        (_("Type of search"), str(search.get_search_type_display())),
        (_("Date and time"), when),
        (_("Place"), search.place or "–"),
    ]
    if search.detained_place:
        lines.append((_("Where first detained"), search.detained_place))
    if person is not None:
        lines.append((_("Name"), person.full_name))
    elif search.person_description:
        lines.append((_("Description of the person"), search.person_description))
    if search.self_defined_ethnicity:
        lines.append((_("Ethnicity as you described it"), labels["self_defined_ethnicity"]))
    if search.vehicle_registration:
        lines.append((_("Vehicle registration"), search.vehicle_registration))
    lines += [
        (_("Power used"), labels["legislation"] or "–"),
        (_("What the officer was looking for"), labels["object_of_search"] or "–"),
        (_("Grounds for the search"), search.grounds or "–"),
        (_("Outcome"), labels["outcome_at_search"] or "–"),
        (_("Outcome linked to what was looked for"), _yes_no(search.linked_at_search)),
        (
            _("More than outer clothing removed"),
            _yes_no(search.removal_more_than_outer_clothing),
        ),
        (_("Injury or damage"), search.injury_or_damage or _("None recorded")),
        (
            _("Officer"),
            f"{search.officer.get_full_name() or search.officer.username}, "
            f"{search.controller.display_name}"
            if search.officer is not None
            else search.controller.display_name,
        ),
    ]
    if search.body_worn_video_reference:
        lines.append((_("Body-worn video reference"), search.body_worn_video_reference))
    return tuple(lines)


def copy_data(search: Search) -> CopyData:
    """The copy of the record as it was made, in Welsh and English."""
    sections = []
    for language in LANGUAGES:
        with translation.override(language):
            sections.append(
                CopySection(
                    language=language,
                    title=_("Record of a stop and search"),
                    lines=_lines(search),
                )
            )
    return CopyData(
        reference=reference_of(search), made_at=search.created_at, sections=tuple(sections)
    )


def copy_pdf(data: CopyData) -> bytes:
    """The copy as a PDF: the Welsh section, then the English one, each complete."""
    parts = []
    for section in data.sections:
        with rendering_in(section.language):
            parts.append(render_to_string(SECTION_TEMPLATE, {"section": section, "data": data}))
    title = " / ".join(section.title for section in data.sections)
    with rendering_in("cy"):
        html = render_to_string(
            TEMPLATE, {"title": title, "sections": parts, "created": data.made_at}
        )
    return tagged_pdf(html, at=data.made_at)
