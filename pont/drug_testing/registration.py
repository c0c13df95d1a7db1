"""What the drug testing module adds to the rest of Pont when it starts."""

from typing import Any


def register() -> None:
    from django.urls import reverse, reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import DECIDE_BREACH, RECORD_DRUG_TEST
    from pont.core.navigation import NavItem, register_nav_item
    from pont.people.access import PersonAction, register_person_action

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
    register_person_action(
        PersonAction(
            key="drug_test",
            label=_("Record a drug test"),
            url_name="drug_testing:create",
            capability=RECORD_DRUG_TEST,
        )
    )
    register_nav_item(
        NavItem(
            key="drug_testing",
            label=_("Drug tests"),
            url=reverse_lazy("drug_testing:list"),
            capability=(RECORD_DRUG_TEST, DECIDE_BREACH),
            order=20,
            description=_(
                "Test on arrest in custody, Required Assessments, breaches and your tasks."
            ),
            match="drug_testing:",
        )
    )
