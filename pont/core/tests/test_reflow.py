"""Every table of the app's pages scrolls in a region of its own (WCAG 1.4.10, reflow).

At 320 CSS pixels wide (a 1280-pixel screen zoomed to 400%) a page must not scroll
sideways. A data table may need more room than that, so it sits in a
`.pont-table-scroll` region that scrolls on its own: focusable (a keyboard user can
scroll it), a region named by the table's caption (a screen reader says what it is).
The browser journeys check the pages they visit at 320 pixels
(`pont.testing.browser.reflow_problem`); this test holds every template to the pattern,
so that a table added to a page nobody's journey visits cannot widen it. The PDFs'
templates are printed on paper of a fixed size and are not pages.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL)
# One id of aria-labelledby's list; a template's id may hold `{{ ... }}` with its spaces.
IDREF = re.compile(r"(?:\{\{.*?\}\}|[^\s{])+")
OPENER = re.compile(
    r'<div class="pont-table-scroll" tabindex="0" role="region" aria-labelledby="([^"]+)">$'
)


def page_templates() -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob("**/templates/**/*.html")
        if "pdf" not in path.relative_to(ROOT).parts
    )


def unwrapped_tables(text: str) -> list[str]:
    """What is wrong with each table of a template, one line each ([] when every one is right)."""
    problems = []
    for number, match in enumerate(TABLE.finditer(text), start=1):
        opener = OPENER.search(text[: match.start()].rstrip())
        after = text[match.end() :].lstrip()
        if opener is None or not after.startswith("</div>"):
            problems.append(f"table {number} is not alone in a .pont-table-scroll region")
            continue
        for label in IDREF.findall(opener.group(1)):
            if f'id="{label}"' not in text:
                problems.append(f"table {number}: its region's label {label!r} is no id here")
    return problems


def test_every_page_template_with_a_table_is_checked() -> None:
    with_tables = [path for path in page_templates() if TABLE.search(path.read_text())]
    # The pages' tables are many; an empty list would mean the glob found nothing.
    assert len(with_tables) >= 40


@pytest.mark.parametrize(
    "path",
    [p for p in page_templates() if TABLE.search(p.read_text())],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_every_table_scrolls_in_a_named_region_of_its_own(path: Path) -> None:
    assert unwrapped_tables(path.read_text()) == []


def test_the_check_finds_a_table_that_would_widen_the_page() -> None:
    caption = '<caption id="c">Tests</caption>'
    bare = f'<h2>Tests</h2>\n<table class="govuk-table">{caption}</table>\n'
    assert unwrapped_tables(bare) == ["table 1 is not alone in a .pont-table-scroll region"]
    region = '<div class="pont-table-scroll" tabindex="0" role="region" aria-labelledby="{}">'
    unnamed = f"{region.format('missing')}\n<table>{caption}</table>\n</div>"
    assert unwrapped_tables(unnamed) == ["table 1: its region's label 'missing' is no id here"]
    not_alone = f"{region.format('c')}\n<table>{caption}</table>\n<p>more</p></div>"
    assert unwrapped_tables(not_alone) == ["table 1 is not alone in a .pont-table-scroll region"]
    good = f"{region.format('c')}\n  <table>{caption}</table>\n  </div>"
    assert unwrapped_tables(good) == []
    looped = '<caption id="c-{{ forloop.counter }}">'
    two = f'{region.format("h c-{{ forloop.counter }}")}<table>{looped}</table></div><h2 id="h">'
    assert unwrapped_tables(two) == []
    assert unwrapped_tables(two.replace('id="h"', "")) == [
        "table 1: its region's label 'h' is no id here"
    ]
    inline = f"{{% if x %}}{region.format('c')}<table>{caption}</table></div>{{% endif %}}"
    assert unwrapped_tables(inline) == []
