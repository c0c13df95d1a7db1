"""Fixtures shared by every module's tests."""

import pytest

from pont.audit import maintenance
from pont.testing.personas import World, build_world, client_for, sign_in

# The browser journeys' fixture (`journey`): pont/testing/browser.py.
pytest_plugins = ["pont.testing.browser"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    """Tell a journey whether its test failed, so its teardown keeps a screenshot."""
    report = yield
    if report.when == "call" and report.failed:
        item.journey_failed = True
    return report


@pytest.fixture
def world(db) -> World:  # noqa: ANN001 - pytest-django fixture
    """Organisations and one persona per role (with two providers)."""
    return build_world()


@pytest.fixture
def as_persona(world):  # noqa: ANN001
    """Return a function giving a CSRF-enforcing client signed in as a persona code."""
    return lambda code, **kwargs: client_for(world, code, **kwargs)


@pytest.fixture
def signed_in():  # noqa: ANN201
    return sign_in


@pytest.fixture(autouse=True)
def _language_of_the_site():
    """Every test starts in the site's language: a request in Welsh earlier on the same worker
    leaves Welsh active in the thread, and a test after it would read Welsh labels."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _audit_tables_append_only(django_db_blocker):  # noqa: ANN001
    """Every test starts with the append-only triggers armed, whatever ran before it."""
    if maintenance.is_enabled_anywhere():
        from django.db import connection

        with django_db_blocker.unblock():
            maintenance.set_maintenance(connection, False)


@pytest.fixture
def _reference_data_restored(django_db_blocker):  # noqa: ANN001
    """Put back the rows data migrations seed, after a transactional test has flushed them.

    Set up before ``transactional_db`` so that its teardown runs after the flush;
    without it, later tests on the same worker find no closure reasons or needs.
    """
    yield
    from importlib import import_module

    from django.apps import apps

    with django_db_blocker.unblock():
        for module, function in (
            ("pont.audit.migrations.0002_chain_head_and_triggers", "create_head"),
            ("pont.directory.migrations.0002_need_categories", "load"),
            ("pont.referrals.migrations.0002_reference_data", "load"),
            ("pont.referrals.migrations.0004_closure_reason_needs_treatment_start", "mark"),
            ("pont.drug_testing.migrations.0002_reference_data", "load"),
            ("pont.drug_testing.migrations.0003_cocaine_in_welsh", "welsh_label"),
            ("pont.stop_search.migrations.0002_reference_data", "load"),
            ("pont.stop_search.migrations.0003_census_population", "load"),
            ("pont.stop_search.migrations.0004_audit_sample", "load"),
            ("pont.disposals.migrations.0002_reference_data", "load"),
        ):
            getattr(import_module(module), function)(apps, None)


@pytest.fixture
def audit_flushable(_reference_data_restored, transactional_db, django_db_blocker):  # noqa: ANN001
    """For transactional tests: let the test database be emptied of audit rows afterwards.

    Request this fixture instead of marking the test ``django_db(transaction=True)``:
    the mark would set the database up before the reference data is saved for restoring.
    """
    from django.db import connection

    yield
    maintenance.set_maintenance(connection, True)
