"""A table's scrolling region takes the focus, and is a named region, only while it scrolls.

`pont/js/table-scroll.mjs` runs in Chromium on a page written here: a table that fits
stands its region down (no Tab stop, no landmark, no name on a plain box), one that does
not fit keeps all three, and a change of the window's width moves a table from one to the
other. Without the script the markup keeps all three (`test_reflow.py`).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pont.testing.browser import chromium

pytestmark = pytest.mark.browser

SCRIPT = Path(__file__).resolve().parents[1] / "static" / "pont" / "js" / "table-scroll.mjs"
REGION = (
    '<div class="pont-table-scroll" tabindex="0" role="region" aria-labelledby="{id}-caption"'
    ' id="{id}" style="overflow-x: auto"><table style="width: {width}px">'
    '<caption id="{id}-caption">{id}</caption><tr><td>x</td></tr></table></div>'
)


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)


def regions(page: Any) -> dict[str, list[str | None]]:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.pont-table-scroll')].map(
             (r) => [r.id, [r.getAttribute('tabindex'), r.getAttribute('role'),
                            r.getAttribute('aria-labelledby')]]))"""
    )


def test_only_a_region_whose_table_does_not_fit_takes_the_focus_and_a_name(page) -> None:
    module = SCRIPT.read_text().replace("export function", "function")
    page.set_content(
        "<!doctype html><html><body>"
        + REGION.format(id="narrow", width=500)
        + REGION.format(id="wide", width=2000)
        + f"<script type='module'>{module}\ninitTableScroll();</script></body></html>"
    )
    page.wait_for_function("() => !document.getElementById('narrow').hasAttribute('role')")
    assert regions(page) == {
        "narrow": [None, None, None],
        "wide": ["0", "region", "wide-caption"],
    }
    assert page.get_attribute("#narrow", "data-labelledby") == "narrow-caption"

    page.set_viewport_size({"width": 320, "height": 600})  # the narrow table no longer fits
    page.wait_for_function("() => document.getElementById('narrow').hasAttribute('role')")
    assert regions(page)["narrow"] == ["0", "region", "narrow-caption"]

    page.set_viewport_size({"width": 1100, "height": 900})
    page.wait_for_function("() => !document.getElementById('narrow').hasAttribute('role')")
    assert regions(page)["narrow"] == [None, None, None]
