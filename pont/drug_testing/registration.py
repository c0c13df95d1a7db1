"""What the drug testing module adds to the rest of Pont when it starts."""

from typing import Any


def register() -> None:
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from pont.referrals.models import Referral
    from pont.referrals.sources import SourceHooks, SourceLink, register_source

    from . import selectors, services

    def links(referral: Referral, user: Any) -> list[SourceLink]:
        """The police see the test and the assessment; the provider sees its RA steps."""
        assessment = getattr(referral, "required_assessment", None)
        if assessment is None:
            return []
        if selectors.assessment_for_police(user=user, assessment_id=assessment.pk):
            return [
                SourceLink(
                    str(
                        _("Drug test and Required Assessment %(ref)s")
                        % {"ref": assessment.reference}
                    ),
                    reverse("drug_testing:test_detail", kwargs={"test_id": assessment.test_id}),
                )
            ]
        if selectors.assessment_for_provider(user=user, assessment_id=assessment.pk):
            return [
                SourceLink(
                    str(
                        _("Required Assessment %(ref)s: notices and follow-up")
                        % {"ref": assessment.reference}
                    ),
                    reverse(
                        "drug_testing:provider_assessment", kwargs={"assessment_id": assessment.pk}
                    ),
                )
            ]
        return []

    register_source(
        Referral.Source.TEST_ON_ARREST,
        SourceHooks(on_event=services.on_referral_event, links=links),
    )
