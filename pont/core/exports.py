"""What every CSV that Pont writes shares."""

from typing import Any

# A cell beginning with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> str:
    """A text cell that a spreadsheet will show, never run: one that would start a formula is
    quoted with an apostrophe (ASVS 1.2.10). Not for figures: "-0.20" would be quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
