"""Versioned reference data: periods in force, Welsh labels, idempotent loading, invariants."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.checks.registry import registry
from django.db import IntegrityError, transaction
from django.test.utils import isolate_apps
from django.utils import timezone, translation

from pont.core.checks import reference_tables_declare_constraints
from pont.core.models import ReferenceData, reference_data_constraints
from pont.core.reference import load_reference_rows, reference_choices
from pont.core.tests.reference_app.models import ExampleCode
from pont.people.models import Person

pytestmark = pytest.mark.django_db

SOURCE = "Misuse of Drugs Act 1971, Schedule 2"


def _code(code="A", *, effective_from=date(2024, 1, 1), effective_to=None, **extra):
    values = {
        "label_en": f"Class {code}",
        "label_cy": f"Dosbarth {code}",
        "source": SOURCE,
        **extra,
    }
    return ExampleCode.objects.create(
        code=code, effective_from=effective_from, effective_to=effective_to, **values
    )


def _row(code="A", *, effective_from=date(2024, 1, 1), **extra):
    return {
        "code": code,
        "effective_from": effective_from,
        "label_en": f"Class {code}",
        "label_cy": f"Dosbarth {code}",
        "source": SOURCE,
        **extra,
    }


# Periods in force


def test_a_closed_row_is_in_force_from_its_first_day_to_its_last_day_inclusive():
    row = _code(effective_from=date(2024, 1, 1), effective_to=date(2024, 12, 31))

    assert list(ExampleCode.objects.effective_on(date(2023, 12, 31))) == []
    assert list(ExampleCode.objects.effective_on(date(2024, 1, 1))) == [row]
    assert list(ExampleCode.objects.effective_on(date(2024, 6, 30))) == [row]
    assert list(ExampleCode.objects.effective_on(date(2024, 12, 31))) == [row]
    assert list(ExampleCode.objects.effective_on(date(2025, 1, 1))) == []


def test_an_open_ended_row_stays_in_force_indefinitely():
    row = _code(effective_from=date(2024, 1, 1), effective_to=None)

    assert list(ExampleCode.objects.effective_on(date(2023, 12, 31))) == []
    assert list(ExampleCode.objects.effective_on(date(2024, 1, 1))) == [row]
    assert list(ExampleCode.objects.effective_on(date(2099, 12, 31))) == [row]


def test_a_relabelled_code_shows_the_wording_that_applied_on_the_day():
    old = _code("A", effective_from=date(2020, 1, 1), effective_to=date(2024, 3, 31))
    new = _code("A", effective_from=date(2024, 4, 1), label_en="Class A (revised)")

    assert list(ExampleCode.objects.effective_on(date(2024, 3, 31))) == [old]
    assert list(ExampleCode.objects.effective_on(date(2024, 4, 1))) == [new]


def test_a_row_may_be_in_force_for_a_single_day():
    row = _code(effective_from=date(2024, 5, 8), effective_to=date(2024, 5, 8))

    assert list(ExampleCode.objects.effective_on(date(2024, 5, 8))) == [row]
    assert list(ExampleCode.objects.effective_on(date(2024, 5, 9))) == []


def test_current_rows_are_those_in_force_today():
    today = timezone.localdate()
    in_force = _code("A", effective_from=today, effective_to=today)
    _code("B", effective_from=today - timedelta(days=30), effective_to=today - timedelta(days=1))
    _code("C", effective_from=today + timedelta(days=1))

    assert list(ExampleCode.objects.current()) == [in_force]
    assert list(ExampleCode.objects.effective_on()) == [in_force]


@pytest.mark.parametrize(
    "day",
    [date(2023, 12, 31), date(2024, 1, 1), date(2024, 7, 1), date(2024, 12, 31), date(2025, 1, 1)],
)
def test_is_effective_on_agrees_with_the_query(day):
    closed = _code("A", effective_from=date(2024, 1, 1), effective_to=date(2024, 12, 31))
    open_ended = _code("B", effective_from=date(2024, 7, 1))

    in_query = set(ExampleCode.objects.effective_on(day))
    assert closed.is_effective_on(day) == (closed in in_query)
    assert open_ended.is_effective_on(day) == (open_ended in in_query)


# Labels in the active language


def test_the_label_is_welsh_when_the_language_is_welsh_and_english_otherwise():
    row = _code("A", label_en="Class A", label_cy="Dosbarth A")

    with translation.override("cy"):
        assert row.label == "Dosbarth A"
        assert str(row) == "A: Dosbarth A"
    with translation.override("en"):
        assert row.label == "Class A"
        assert str(row) == "A: Class A"


def test_reference_choices_give_codes_and_labels_in_force_in_sort_order():
    _code("A", sort_order=2)
    _code("B", sort_order=1)
    _code("C", sort_order=3, effective_to=date(2024, 6, 30))

    with translation.override("en"):
        assert reference_choices(ExampleCode, date(2024, 7, 1)) == [
            ("B", "Class B"),
            ("A", "Class A"),
        ]


def test_reference_choices_are_labelled_in_welsh_when_the_language_is_welsh():
    _code("A", sort_order=1)
    _code("B", sort_order=2)

    with translation.override("cy"):
        assert reference_choices(ExampleCode, date(2024, 7, 1)) == [
            ("A", "Dosbarth A"),
            ("B", "Dosbarth B"),
        ]


def test_reference_choices_default_to_the_rows_in_force_today():
    today = timezone.localdate()
    _code("A", effective_from=today - timedelta(days=1))
    _code("B", effective_from=today + timedelta(days=1))

    with translation.override("en"):
        assert reference_choices(ExampleCode) == [("A", "Class A")]


# Loading rows


def test_loading_rows_creates_them_and_counts_them():
    changed = load_reference_rows(ExampleCode, [_row("A", sort_order=1), _row("B", sort_order=2)])

    assert changed == 2
    assert list(ExampleCode.objects.values_list("code", "label_en", "label_cy", "sort_order")) == [
        ("A", "Class A", "Dosbarth A", 1),
        ("B", "Class B", "Dosbarth B", 2),
    ]


def test_loading_the_same_rows_again_changes_nothing():
    rows = [_row("A"), _row("B", effective_to=date(2030, 12, 31))]
    load_reference_rows(ExampleCode, rows)
    before = list(ExampleCode.objects.values())

    assert load_reference_rows(ExampleCode, rows) == 0
    assert list(ExampleCode.objects.values()) == before


def test_loading_a_corrected_label_updates_the_row_in_place():
    load_reference_rows(ExampleCode, [_row("A", label_cy="Dosbarth A")])
    original = ExampleCode.objects.get()

    corrected = [_row("A", label_cy="Dosbarth A (cywiriad)"), _row("B")]
    changed = load_reference_rows(ExampleCode, corrected)

    assert changed == 1 + 1  # A corrected, B created
    original.refresh_from_db()
    assert original.label_cy == "Dosbarth A (cywiriad)"
    assert ExampleCode.objects.filter(code="A").count() == 1


def test_loading_a_new_period_for_a_code_keeps_the_old_period():
    load_reference_rows(ExampleCode, [_row("A", effective_from=date(2020, 1, 1))])

    changed = load_reference_rows(
        ExampleCode,
        [
            _row("A", effective_from=date(2020, 1, 1), effective_to=date(2024, 3, 31)),
            _row("A", effective_from=date(2024, 4, 1), label_en="Class A (revised)"),
        ],
    )

    assert changed == 2
    assert list(
        ExampleCode.objects.order_by("effective_from").values_list(
            "effective_from", "effective_to", "label_en"
        )
    ) == [
        (date(2020, 1, 1), date(2024, 3, 31), "Class A"),
        (date(2024, 4, 1), None, "Class A (revised)"),
    ]


def test_loading_rows_leaves_the_rows_given_unchanged():
    row = _row("A")
    load_reference_rows(ExampleCode, [row])
    assert row == _row("A")


# Database invariants


def test_the_database_refuses_a_second_row_for_the_same_code_and_start():
    _code("A", effective_from=date(2024, 1, 1))

    with transaction.atomic(), pytest.raises(IntegrityError):
        _code("A", effective_from=date(2024, 1, 1), label_en="Another")

    assert ExampleCode.objects.count() == 1


def test_the_database_accepts_the_same_code_from_another_start():
    _code("A", effective_from=date(2024, 1, 1), effective_to=date(2024, 12, 31))
    _code("A", effective_from=date(2025, 1, 1))

    assert ExampleCode.objects.filter(code="A").count() == 2


def test_the_database_refuses_a_period_that_ends_before_it_starts():
    with transaction.atomic(), pytest.raises(IntegrityError):
        _code("A", effective_from=date(2024, 1, 2), effective_to=date(2024, 1, 1))

    assert not ExampleCode.objects.exists()


def test_the_constraints_are_named_after_the_table_prefix():
    names = [constraint.name for constraint in reference_data_constraints("drug_class")]
    assert names == ["drug_class_code_from_unique", "drug_class_period_valid"]


# The system check core.E001


def test_the_reference_table_check_is_registered():
    assert reference_tables_declare_constraints in registry.get_checks()


def test_the_check_passes_the_installed_reference_table_that_declares_its_constraints():
    assert ExampleCode in apps.get_models()
    assert reference_tables_declare_constraints() == []


def test_the_check_reports_a_reference_table_without_its_constraints(monkeypatch):
    # Real model classes, in a registry of their own so they leave no trace.
    with isolate_apps("pont.core.tests.reference_app"):

        class Forgetful(ReferenceData):
            class Meta(ReferenceData.Meta):
                app_label = "reference_app"

        class HalfDone(ReferenceData):
            class Meta(ReferenceData.Meta):
                app_label = "reference_app"
                constraints = reference_data_constraints("half_done")[:1]  # unique only

        class Declared(ReferenceData):
            class Meta(ReferenceData.Meta):
                app_label = "reference_app"
                constraints = reference_data_constraints("declared")

    installed = [Forgetful, HalfDone, Declared, Person]
    monkeypatch.setattr(apps, "get_models", lambda *args, **kwargs: installed)

    errors = reference_tables_declare_constraints()

    assert [(error.id, error.obj) for error in errors] == [
        ("core.E001", Forgetful),
        ("core.E001", HalfDone),
    ]
    assert "reference_app.Forgetful is reference data" in errors[0].msg
