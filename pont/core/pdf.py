"""PDF documents made with WeasyPrint from their data alone, the same bytes for the same data.

Every PDF Pont makes (notices, evidence packs, panel reports) is rendered from
HTML that a template made from plain data: nothing is fetched while rendering
(no file, no network), times are shown in the local time of Wales, and the
embedded fonts carry the document's own time, so that rendering the same data
twice gives the same bytes and a served document can be checked by its SHA-256.
"""

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pydyf
from django.utils import timezone, translation
from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher

LOCAL_TIME = ZoneInfo("Europe/London")
PDF_UA = "pdf/ua-1"  # notices, copies and reports: tagged for screen readers (PDF/UA-1)


def html_document(html: str) -> HTML:
    """The document, fetching nothing: it is made from its data alone (no file, no network)."""
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=()))


_FONT_CLOCK = threading.Lock()


@contextmanager
def font_clock(at: datetime) -> Iterator[None]:
    """Stamp the embedded font subsets with the document's own time, not the clock's.

    fontTools writes the current time into each subset font's head table unless
    SOURCE_DATE_EPOCH is set (reproducible-builds.org); without this, two
    renderings of the same document a second apart would differ in those bytes.
    The variable is process-wide, so rendering holds a lock while it is set.
    """
    with _FONT_CLOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(at.timestamp()))
        try:
            yield
        finally:
            if previous is None:
                del os.environ["SOURCE_DATE_EPOCH"]
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


@contextmanager
def rendering_in(language: str) -> Iterator[None]:
    """Render in this language, with times in the local time of Wales."""
    with translation.override(language), timezone.override(LOCAL_TIME):
        yield


def tagged_pdf(
    html: str, *, at: datetime, finisher: Callable[[Document, pydyf.PDF], None] | None = None
) -> bytes:
    """The PDF/UA-1 document of the HTML, its fonts stamped with `at` (the same bytes for the
    same HTML and moment); `finisher` amends the PDF before it is written."""
    document = html_document(html).render(pdf_variant=PDF_UA)
    with font_clock(at):
        pdf: bytes = document.write_pdf(pdf_variant=PDF_UA, finisher=finisher)
    return pdf


def english_from(anchor: str) -> Callable[[Document, pydyf.PDF], None]:
    """A finisher marking the structure from the page holding `anchor` on as English.

    Bilingual notices are Welsh first (the document's language) and English
    after. WeasyPrint takes the language of the root element only, so without
    this a screen reader would read the English section with a Welsh voice
    (PDF/UA: changes of language are declared).
    """

    def finish(document: Document, pdf: pydyf.PDF) -> None:
        start = next((i for i, page in enumerate(document.pages) if anchor in page.anchors), None)
        if start is None:
            return
        english_pages = set(pdf.page_references[start:])
        for item in pdf.objects:
            if (
                isinstance(item, pydyf.Dictionary)
                and item.get("Type") == "/StructElem"
                and item.get("S") == "/Sect"
                and item.get("Pg") in english_pages
            ):
                item["Lang"] = pydyf.String("en")

    return finish
