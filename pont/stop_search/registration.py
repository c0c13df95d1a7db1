"""What stop and search adds to the rest of Pont at start-up: reference tables, navigation."""


def register() -> None:
    from pont.core.reference import register_reference_table

    from .models import Legislation, ObjectOfSearch, SearchOutcome, SelfDefinedEthnicity

    register_reference_table(SearchOutcome, editable_fields=("policeuk_label", "found"))
    register_reference_table(SelfDefinedEthnicity, editable_fields=("policeuk_label", "group"))
    register_reference_table(Legislation, editable_fields=("policeuk_label",))
    register_reference_table(ObjectOfSearch, editable_fields=("policeuk_label",))
