"""Fixtures the stop-search tests share."""

import pytest


@pytest.fixture
def policeuk_force(world, settings):  # noqa: ANN001, ANN201
    """The personas, with the test force ("dpp") standing for police.uk's "dyfed-powys": the
    tests that import police.uk's files use it (`pytestmark`)."""
    settings.POLICEUK_FORCES = {"dyfed-powys": world.force.slug}
    return world
