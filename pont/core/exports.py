"""What every CSV that Pont writes shares."""

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

# A cell beginning with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> str:
    """A text cell that a spreadsheet will show, never run: one that would start a formula is
    quoted with an apostrophe (ASVS 1.2.10). Not for figures: "-0.20" would be quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_attachment(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    """A CSV file to download, `header` first, then `rows` as they are given (text that could
    start a formula is the caller's to pass through `spreadsheet_text`)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
