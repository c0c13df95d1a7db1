"""Fixtures for the directory's tests: the sample HSDS files and the demo directory."""

from pathlib import Path

import pytest

from pont.directory import services
from pont.directory.demo import load_directory_demo

DATA = Path(__file__).resolve().parent / "data"


def sample(*names: str) -> list[tuple[str, bytes]]:
    """(name, bytes) for sample files in tests/data, as hsds_import takes them."""
    return [(name, (DATA / name).read_bytes()) for name in names]


def import_samples(*names: str) -> services.ImportSummary:
    return services.hsds_import(actor=None, documents=sample(*names))


@pytest.fixture
def demo_directory(world):
    """The demo directory (its providers are not Pont organisations in the test world)."""
    load_directory_demo()


@pytest.fixture
def provider_a_directory(world):
    """Provider A's entry in the directory, linked to Provider A in Pont."""
    return services.directory_organization_create(
        actor=None, name="Provider A (directory)", pont_organisation=world.provider_a
    )
