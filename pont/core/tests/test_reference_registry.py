"""The registry of reference tables people may change: modules register, core never imports them."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from pont.core import reference
from pont.core.models import ReferenceData, reference_data_constraints
from pont.core.reference import (
    BOOLEAN,
    INTEGER,
    TEXT,
    reference_field_kind,
    reference_table_for,
    reference_tables,
    register_reference_table,
)
from pont.core.tests.reference_app.models import ExampleCode
from pont.people.models import Person


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test, the real one put back afterwards."""
    monkeypatch.setattr(reference, "_tables", {})
    return reference


def test_a_registered_table_is_found_by_its_label(registry):
    table = register_reference_table(ExampleCode)

    assert table.label == "reference_app.examplecode"
    assert reference_table_for("reference_app.examplecode") is table
    assert reference_table_for("Reference_App.ExampleCode") is table
    assert reference_table_for("reference_app.other") is None
    assert reference_tables() == [table]


def test_registering_a_table_again_replaces_it(registry):
    register_reference_table(ExampleCode)
    again = register_reference_table(ExampleCode)

    assert reference_tables() == [again]


def test_only_reference_data_tables_can_be_registered(registry):
    with pytest.raises(ImproperlyConfigured):
        register_reference_table(Person)  # type: ignore[arg-type]
    with pytest.raises(ImproperlyConfigured):
        register_reference_table(ReferenceData)  # type: ignore[type-abstract]  # refused: the point


def test_an_editable_field_must_be_one_of_the_tables_own_fields(registry):
    with pytest.raises(ImproperlyConfigured, match="no extra field 'planned'"):
        register_reference_table(ExampleCode, editable_fields=("planned",))
    # The common fields are always set; they are not "extra".
    with pytest.raises(ImproperlyConfigured):
        register_reference_table(ExampleCode, editable_fields=("label_en",))


def test_a_field_the_pages_cannot_enter_is_refused_at_start_up(registry):
    with isolate_apps("pont.core.tests.reference_app"):

        class Dated(ReferenceData):
            reviewed_on = models.DateField()
            weight = models.PositiveSmallIntegerField(default=1)
            note = models.CharField(max_length=20, blank=True)
            strict = models.BooleanField(default=False)

            class Meta(ReferenceData.Meta):
                app_label = "reference_app"
                constraints = reference_data_constraints("dated")

        with pytest.raises(ImproperlyConfigured, match="reviewed_on is a DateField"):
            register_reference_table(Dated, editable_fields=("reviewed_on",))

        table = register_reference_table(Dated, editable_fields=("weight", "note", "strict"))
        kinds = {f.name: reference_field_kind(f) for f in table.extra_fields}
        assert kinds == {"reviewed_on": None, "weight": INTEGER, "note": TEXT, "strict": BOOLEAN}
