from pont.core.models import ReferenceData, reference_data_constraints


class ExampleCode(ReferenceData):
    """A code list for testing the ReferenceData base, its loader and its constraints."""

    class Meta(ReferenceData.Meta):
        constraints = reference_data_constraints("example_code")
