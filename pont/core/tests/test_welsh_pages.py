"""No English left untranslated on the public pages and in the notices to people.

The catalogue test (test_translations.py) proves that every string marked for
translation has its Welsh. This one finds the strings that were never marked:
English written straight into a template. It reads the templates every public
page renders (found by requesting, in Welsh and signed out, every URL the
policy table says anyone may GET) and the templates of the notices Pont gives
to people, and fails on any word of text outside {% translate %} and
{% blocktranslate %}, including the user-facing attributes (alt, title,
aria-label, placeholder). For the staff pages it prints a coverage report:
the templates that still hold unmarked text, and how many words.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Engine
from django.template.base import Lexer, TokenType
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from pont.testing.policy import ANON, collect_rules

# Notices and documents Pont gives to people (both languages in the one document).
NOTICE_TEMPLATES = [
    "drug_testing/pdf/notice.html",
    "drug_testing/pdf/_notice_section.html",
    "disposals/pdf/notice.html",
    "disposals/pdf/_notice_section.html",
    "stop_search/pdf/record_copy.html",
]
# Words that are the same in both languages on purpose: the service's name, and each
# language's own name on the language switch (shown in that language, as GOV.UK does).
SAME_IN_BOTH = {"Pont", "English", "Cymraeg", "GOV", "UK", "PDF"}

BLOCKS_WITHOUT_TEXT = {"comment": "endcomment", "verbatim": "endverbatim"}
TRANSLATED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
USER_FACING_ATTRIBUTE = re.compile(
    r"""\s(?:alt|title|aria-label|placeholder)\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE
)
TAG = re.compile(r"<[^>]*>", re.DOTALL)
STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
MARK = "\u2060"  # a word joiner: no letters, so never a word


def unmarked_words(source: str) -> list[str]:
    """The words of a template's text outside the translation tags and outside markup.

    The template is first reduced to its text, with every tag and variable replaced by a
    mark that has no letters (and blocktranslate and comment blocks dropped), so that an
    HTML tag cut in two by a variable is still seen whole.
    """
    parts: list[str] = []
    skip_until = ""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until:
                if name == skip_until:
                    skip_until = ""
                    parts.append(MARK)
                continue
            skip_until = BLOCKS_WITHOUT_TEXT.get(name) or TRANSLATED_BLOCKS.get(name, "")
            parts.append(MARK)
        elif not skip_until:
            parts.append(token.contents if token.token_type == TokenType.TEXT else MARK)
    text = STYLE_OR_SCRIPT.sub(" ", "".join(parts))
    attributes = [m.group(1)[1:-1] for m in USER_FACING_ATTRIBUTE.finditer(text)]
    text = ENTITY.sub(" ", " ".join([TAG.sub(" ", text), *attributes]))
    return [word for word in WORD.findall(text) if word not in SAME_IN_BOTH]


def _source(name: str) -> str:
    template = get_template(name)
    return Path(template.origin.name).read_text(encoding="utf-8")


def _public_paths() -> list[str]:
    paths = []
    for rule in collect_rules():
        if rule.kwargs or rule.expect.get("GET", {}).get(ANON) != 200:
            continue
        paths.append(reverse(rule.name))
    return paths


@pytest.fixture
def public_templates(db) -> set[str]:  # noqa: ANN001
    """The templates (with their includes) that the public pages render, in Welsh."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    names: set[str] = set()
    for path in _public_paths():
        response = client.get(path)
        assert response.status_code == 200, path
        if not response["Content-Type"].startswith("text/html"):
            continue  # a health check, a feed: no page to read
        assert 'lang="cy"' in response.content.decode(), path
        names |= {t.name for t in response.templates if t.name}
    return names


def test_the_public_pages_have_no_unmarked_english(public_templates):
    assert "base.html" in public_templates
    assert "stop_search/public.html" in public_templates
    found = {name: unmarked_words(_source(name)) for name in sorted(public_templates)}
    leftovers = {name: words for name, words in found.items() if words}
    assert leftovers == {}, leftovers


def test_the_notices_to_people_have_no_unmarked_english():
    leftovers = {name: unmarked_words(_source(name)) for name in NOTICE_TEMPLATES}
    assert {name: words for name, words in leftovers.items() if words} == {}


def test_the_scanner_finds_unmarked_text_and_passes_marked_text():
    source = (
        '{% load i18n %}<h1 title="Help">{% translate "Hello" %}</h1><p>Plain words'
        "</p>{% blocktranslate %}Inside {{ x }}{% endblocktranslate %}{% comment %}Not "
        "shown{% endcomment %}<style>p { color: red; }</style><img alt='{% translate "
        '"A map" %}\'> Pont &nbsp; 12'
    )
    assert unmarked_words(source) == ["Plain", "words", "Help"]


def test_coverage_of_the_staff_pages(capsys):
    """A report, not a gate: the staff templates that still hold unmarked words."""
    engine = Engine.get_default()
    roots = [Path(d) for d in engine.dirs] + [
        Path(config.path) / "templates"
        for config in __import__("django.apps", fromlist=["apps"]).apps.get_app_configs()
        if config.name.startswith("pont.")
    ]
    templates = sorted({p for root in roots if root.exists() for p in root.rglob("*.html")})
    counted = {p: len(unmarked_words(p.read_text(encoding="utf-8"))) for p in templates}
    marked = sum(1 for words in counted.values() if words == 0)
    with capsys.disabled():
        print(f"\nWelsh coverage of templates: {marked} of {len(counted)} have no unmarked words")
        for path, words in counted.items():
            if words:
                print(f"  {words:4d} unmarked words  {path.relative_to(settings.BASE_DIR)}")
    assert len(counted) > 100  # the report read the templates
