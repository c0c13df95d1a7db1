"""Fixtures of the core module's tests."""

from collections.abc import Iterator
from typing import Any

import pytest

from pont.testing.browser import ServedPages, serving_chromium


@pytest.fixture(scope="module")
def served_chromium() -> Iterator[tuple[Any, ServedPages]]:
    """One Chromium page for a module's tests, opening the answers they add (with Pont's
    static files): test_pages_layout.py and test_form_errors_reflow.py."""
    with serving_chromium() as served:
        yield served
