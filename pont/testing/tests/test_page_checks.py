"""The journeys' own checks of a page find what they look for, and only that.

Each journey lays every page it visits out 320 pixels wide (`browser.reflow_problem`,
WCAG 1.4.10 and 1.4.12), and checks that the keyboard's focus shows wherever it stops
(`browser.FOCUS_UNSEEN_JS`, WCAG 2.4.7). These pages, written here, show that each check
can fail, and that what Pont does (a table in its own scrolling region,
`.pont-table-scroll`; GOV.UK's focus styles) passes it.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from pont.testing.browser import FOCUS_UNSEEN_JS, chromium, reflow_problem

pytestmark = pytest.mark.browser

WIDE_TABLE = "<table><tr>" + "<td>Haverfordwest&nbsp;custody&nbsp;suite</td>" * 6 + "</tr></table>"
REGION = '<div style="overflow-x: auto; position: relative" tabindex="0">{}</div>'


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def page(browser) -> Any:
    # The journeys' pages bypass the CSP, so that axe and the text spacing can be added.
    return browser.new_page(viewport={"width": 1100, "height": 900}, bypass_csp=True)


def shown(page: Any, body: str) -> str | None:
    page.set_content(f"<!doctype html><html><body><main>{body}</main></body></html>")
    return reflow_problem(page)


def test_a_wide_table_on_the_page_itself_is_found_and_named(page) -> None:
    problem = shown(page, f"<h1>Tests</h1>{WIDE_TABLE}")
    assert problem is not None
    assert 'td "Haverfordwest' in problem
    assert page.viewport_size == {"width": 1100, "height": 900}  # put back as it was


def test_a_long_unbroken_word_is_found(page) -> None:
    problem = shown(page, "<p>breach_max_imprisonment_months_" + "x" * 80 + "</p>")
    assert problem is not None
    assert 'p "breach_max' in problem


def test_a_visually_hidden_label_outside_a_containing_block_is_found(page) -> None:
    hidden = '<span style="position: absolute; width: 1px; left: 500px">Actions</span>'
    assert shown(page, f"<p>Conditions</p>{hidden}") is not None


def test_a_wide_table_in_a_region_of_its_own_and_a_page_that_reflows_pass(page) -> None:
    assert shown(page, REGION.format(WIDE_TABLE)) is None
    assert shown(page, "<h1>Referral</h1><p>" + "Short words wrap. " * 40 + "</p>") is None


def test_a_line_that_fits_only_with_the_letters_close_is_found_with_the_text_spaced(page) -> None:
    # One word that fits in its room as written, and not with 0.12em between its letters
    # (checked by the first assertion: the plain layout passes).
    word = "<p style='font: 16px monospace'>" + "x" * 30 + "</p>"
    problem = shown(page, f"<div style='margin: 0 15px'>{word}</div>")
    assert problem is not None
    assert problem.startswith("with the text spaced out (WCAG 1.4.12), ")
    assert shown(page, "<p style='font: 16px monospace'>" + "x" * 20 + "</p>") is None


def test_a_page_whose_policy_refuses_the_spacing_style_is_an_error_not_a_pass(browser) -> None:
    from playwright.sync_api import Error

    page = browser.new_page()  # the CSP obeyed
    policy = "<meta http-equiv='Content-Security-Policy' content=\"style-src 'none'\">"
    page.set_content(f"<!doctype html><html><head>{policy}</head><body><p>Hi</p></body></html>")
    with pytest.raises(Error, match="bypass_csp"):
        reflow_problem(page)
    page.close()


@pytest.mark.parametrize(
    ("focus_style", "unseen"),
    [
        ("outline: none", 'a "Referral R-1"'),
        ("outline: 3px solid transparent", 'a "Referral R-1"'),
        ("outline: 3px solid transparent; box-shadow: 0 0 0 4px #fd0, 0 0 0 8px #0b0c0c", None),
        ("outline: 3px solid #fd0", None),
        ("outline: none; background-color: #fd0", None),
    ],
)
def test_a_focus_that_does_not_show_is_found(page, focus_style, unseen) -> None:
    page.set_content(
        f"<!doctype html><html><head><style>a:focus {{ {focus_style} }}</style></head>"
        "<body><a href='#r'>Referral R-1</a></body></html>"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") == "A"
    assert page.evaluate(FOCUS_UNSEEN_JS) == unseen
