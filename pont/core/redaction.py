"""Free text made fit for a panel of residents: nobody named, no exact place.

Pure functions, no database. Used by the panels that review records without
knowing whose they are (stop and search's Quality Assurance Panel, the
out-of-court disposals scrutiny panel). `Identifiers` are the strings a record
holds that would identify someone or somewhere (the person's names and PNC ID,
the parts of a place, a vehicle registration, the officers' names, the person's
address and phone); `suggest` replaces each of them, and anything shaped like a
postcode, a phone number, an email address, a date or a vehicle registration,
with a bracketed word; `leaks` says which of them a text still contains, so that
a text for a panel can be refused until none is left. A person still reads and
rewrites the text where they can: no pattern finds every way of naming someone.

`letters_for` gives officers letters that mean nothing outside one session or
sample, so that a panel can see that two cases were the same officer's without
learning who.
"""

import hashlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

NAME = "name"
PLACE = "place"
VEHICLE = "vehicle"
POSTCODE = "postcode"
PHONE = "phone"
EMAIL = "email"
DATE = "date"
IDENTIFIER = "identifier"

# What each kind is replaced with in a suggestion. Kept in English in the text: the words
# are placeholders in a record, like the rest of the grounds, not part of the interface.
PLACEHOLDERS = {
    NAME: "[name]",
    PLACE: "[place]",
    VEHICLE: "[vehicle]",
    POSTCODE: "[postcode]",
    PHONE: "[phone]",
    EMAIL: "[email]",
    DATE: "[date]",
    IDENTIFIER: "[reference]",
}

# Shapes that identify whoever they belong to: a UK postcode, a phone number (10 or more
# digits, with spaces or dashes), an email address, a day written as numbers, a current-style
# registration (two letters, two digits, three letters).
PATTERNS = (
    (POSTCODE, re.compile(r"\b[A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)),
    (EMAIL, re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    (PHONE, re.compile(r"(?<!\w)\+?\d(?:[\s-]?\d){9,13}(?!\w)")),
    (DATE, re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")),
    (VEHICLE, re.compile(r"\b[A-Z]{2}[0-9]{2}\s?[A-Z]{3}\b", re.IGNORECASE)),
)
SHORTEST = 2  # a one-letter "name" would match everywhere


@dataclass(frozen=True)
class Identifiers:
    """What, in one record, identifies someone or somewhere, by kind."""

    names: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    vehicles: tuple[str, ...] = ()
    references: tuple[str, ...] = ()

    def items(self) -> list[tuple[str, str]]:
        """(kind, text) pairs, longest text first so that "Stepney Street" goes before "Street"."""
        pairs = (
            [(NAME, value) for value in self.names]
            + [(PLACE, value) for value in self.places]
            + [(VEHICLE, value) for value in self.vehicles]
            + [(IDENTIFIER, value) for value in self.references]
        )
        cleaned = {(kind, " ".join(text.split())) for kind, text in pairs}
        return sorted(
            ((kind, text) for kind, text in cleaned if len(text) >= SHORTEST),
            key=lambda pair: (-len(pair[1]), pair),
        )


def place_parts(place: str) -> list[str]:
    """A place and each of its comma-separated parts ("Stepney Street, Llanelli")."""
    parts = [place] + place.split(",")
    return [part.strip() for part in parts if part.strip()]


def _loose(text: str) -> re.Pattern[str]:
    """The text as a whole word or phrase, any case, any spacing between its words."""
    words = [re.escape(word) for word in text.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _compact(text: str) -> re.Pattern[str]:
    """A registration or reference with or without its spaces ("CY21 ABC", "cy21abc")."""
    letters = [re.escape(c) for c in text if not c.isspace()]
    return re.compile(r"(?<!\w)" + r"\s?".join(letters) + r"(?!\w)", re.IGNORECASE)


def _matchers(identifiers: Identifiers) -> list[tuple[str, re.Pattern[str]]]:
    found: list[tuple[str, re.Pattern[str]]] = []
    for kind, text in identifiers.items():
        compact = kind in (VEHICLE, IDENTIFIER)
        found.append((kind, _compact(text) if compact else _loose(text)))
    return found + list(PATTERNS)


def suggest(text: str, identifiers: Identifiers) -> str:
    """The text with every identifier and identifying shape replaced by its placeholder."""
    for kind, pattern in _matchers(identifiers):
        text = pattern.sub(PLACEHOLDERS[kind], text)
    return text


def leaks(text: str, identifiers: Identifiers) -> list[str]:
    """The kinds of identifier the text still holds, in a fixed order (none: an empty list)."""
    kinds = {kind for kind, pattern in _matchers(identifiers) if pattern.search(text)}
    return [kind for kind in PLACEHOLDERS if kind in kinds]


def union(*many: Iterable[str]) -> tuple[str, ...]:
    """The non-empty strings of several lists, once each, in order."""
    seen: dict[str, None] = {}
    for values in many:
        for value in values:
            if value and value.strip():
                seen.setdefault(value.strip(), None)
    return tuple(seen)


def letters_for(ids: Iterable[int], seed: str) -> dict[int, str]:
    """A letter for each id (an officer), in an order only the seed decides: the same officer
    has the same letter throughout one session or sample and an unrelated one in the next."""

    def key(item: int) -> str:
        return hashlib.sha256(f"{seed}:{item}".encode()).hexdigest()

    letters: dict[int, str] = {}
    for index, item in enumerate(sorted(set(ids), key=key)):
        first, last = divmod(index, 26)
        prefix = string.ascii_uppercase[first - 1] if first else ""
        letters[item] = prefix + string.ascii_uppercase[last]
    return letters
