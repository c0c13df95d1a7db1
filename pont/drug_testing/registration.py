"""What the drug testing module adds to the rest of Pont when it starts."""

from typing import Any


def register() -> None:
    from django.urls import reverse, reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import (
        DECIDE_BREACH,
        RECORD_DRUG_TEST,
        REVIEW_DRUG_TESTS,
        VIEW_DRUG_TESTING_DASHBOARD,
    )
    from pont.core.navigation import NavItem, register_nav_item
    from pont.people.access import (
        PersonAction,
        PersonSection,
        register_person_action,
        register_person_section,
    )
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
    register_person_section(
        PersonSection(
            key="drug_tests",
            template="drug_testing/_person_tests.html",
            rows=lambda user, person: list(
                selectors.drug_test_list_visible_to(user=user)
                .filter(person=person)
                .prefetch_related("results__substance")
                .order_by("-arrested_at")
            ),
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
    register_nav_item(
        NavItem(
            key="drug_testing_dashboard",
            label=_("Custody dashboard"),
            url=reverse_lazy("drug_testing:dashboard"),
            capability=VIEW_DRUG_TESTING_DASHBOARD,
            order=62,
            description=_(
                "Drug tests in custody by suite and month, results, Required Assessments, "
                "attendance and breaches, in figures."
            ),
            match="drug_testing:dashboard",
        )
    )
    register_nav_item(
        NavItem(
            key="drug_testing_quality",
            label=_("Drug test quality assurance"),
            url=reverse_lazy("drug_testing:qa_list"),
            capability=REVIEW_DRUG_TESTS,
            order=64,
            description=_("Draw each month's sample of test records and review each one."),
            match="drug_testing:qa_",
        )
    )

    # ---- Reference data pages (core registry): the tables the system administrator may change.
    from pont.core.reference import (
        ReferencePage,
        register_reference_page,
        register_reference_table,
    )

    from .models import DrugTestingRule, TestedSubstance, TriggerOffence

    register_reference_table(TriggerOffence, editable_fields=("act", "section", "class_a_only"))
    register_reference_table(TestedSubstance)
    register_reference_table(DrugTestingRule, editable_fields=("value",))
    # Dated per suite, not a code list: its own pages, linked from the reference data list.
    register_reference_page(
        ReferencePage(
            key="drug_testing_arrangements",
            name=_("Custody suite testing arrangements"),
            url=reverse_lazy("drug_testing:arrangements"),
            description=_(
                "What the Home Office has notified at each custody suite: testing on arrest, "
                "on charge and Required Assessments, from and to which dates."
            ),
        )
    )
    # ---- end of reference data registration

    # ---- Later events in a person's history (people registry): arrests, for reoffending.
    from collections.abc import Collection
    from datetime import datetime

    from pont.people.history import register_later_events

    from .models import DrugTest

    def arrests(person_ids: Collection[int], since: datetime) -> dict[int, list[datetime]]:
        """The times these people were arrested (a test in custody records each arrest)."""
        found: dict[int, list[datetime]] = {}
        for person_id, arrested_at in (
            DrugTest.objects.filter(person_id__in=person_ids, arrested_at__gte=since)
            .order_by()
            .values_list("person_id", "arrested_at")
        ):
            found.setdefault(person_id, []).append(arrested_at)
        return found

    register_later_events("arrest", arrests, label=_("Arrested again (a drug test in custody)"))
