"""What stop and search adds to the rest of Pont at start-up: reference tables, navigation."""

from typing import Any


def register() -> None:
    from pont.core.reference import register_reference_table

    from .models import (
        Legislation,
        ObjectOfSearch,
        SearchAuditRule,
        SearchOutcome,
        SearchReviewTheme,
        SelfDefinedEthnicity,
    )

    register_reference_table(SearchOutcome, editable_fields=("policeuk_label", "found"))
    register_reference_table(SelfDefinedEthnicity, editable_fields=("policeuk_label", "group"))
    register_reference_table(Legislation, editable_fields=("policeuk_label",))
    register_reference_table(ObjectOfSearch, editable_fields=("policeuk_label",))
    register_reference_table(SearchAuditRule, editable_fields=("value",))
    register_reference_table(SearchReviewTheme)

    _register_pages()


def _register_pages() -> None:
    """The searches in the navigation and on a person's record; referrals link back."""
    from django.urls import reverse, reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import (
        RECORD_SEARCH,
        REVIEW_SEARCHES,
        VIEW_SEARCH_AUDIT,
        VIEW_SEARCHES,
    )
    from pont.core.navigation import NavItem, register_nav_item
    from pont.people.access import PersonAction, register_person_action
    from pont.referrals.models import Referral
    from pont.referrals.sources import SourceHooks, SourceLink, register_source

    from . import selectors

    def links(referral: Referral, user: Any) -> list[SourceLink]:
        """The search the referral started from, for those who may see it."""
        if not getattr(user, "is_authenticated", False) or not referral.source_id:
            return []
        search = selectors.search_get_for_user(user=user, search_id=referral.source_id)
        if search is None:
            return []
        return [
            SourceLink(
                str(
                    _("Stop and search of %(day)s")
                    % {"day": search.local_date.strftime("%d/%m/%Y")}
                ),
                reverse("stop_search:detail", kwargs={"search_id": search.pk}),
            )
        ]

    register_source(Referral.Source.STOP_SEARCH, SourceHooks(links=links))
    register_person_action(
        PersonAction(
            key="stop_search",
            label=_("Record a stop and search"),
            url_name="stop_search:create",
            capability=RECORD_SEARCH,
        )
    )
    register_nav_item(
        NavItem(
            key="stop_search",
            label=_("Stop and search"),
            url=reverse_lazy("stop_search:list"),
            capability=(RECORD_SEARCH, VIEW_SEARCHES),
            order=22,
            description=_(
                "Searches with both outcomes and every amendment; refer people found with "
                "drugs to a service."
            ),
            match="stop_search:",
        )
    )
    register_nav_item(
        NavItem(
            key="stop_search_figures",
            label=_("Stop and search figures"),
            url=reverse_lazy("stop_search:figures"),
            capability=(VIEW_SEARCHES, VIEW_SEARCH_AUDIT),
            order=22,
            description=_(
                "Searches by month and county, outcomes, and rates by ethnic group against the "
                "Census, with confidence intervals."
            ),
            match="stop_search:figures",
        )
    )
    register_nav_item(
        NavItem(
            key="stop_search_audit",
            label=_("Audit of searches"),
            url=reverse_lazy("stop_search:audit_list"),
            capability=REVIEW_SEARCHES,
            order=23,
            description=_(
                "Each month's sample of searches, reviewed by a local and an independent inspector."
            ),
            match="stop_search:audit_",
        )
    )
    register_nav_item(
        NavItem(
            key="stop_search_audit_figures",
            label=_("Audit of searches: figures"),
            url=reverse_lazy("stop_search:audit_dashboard"),
            capability=VIEW_SEARCH_AUDIT,
            order=24,
            description=_(
                "Searches sampled and reviewed, agreement between the inspectors, ratings and "
                "learning themes."
            ),
            match="stop_search:audit_dashboard",
        )
    )
    _register_policeuk_page()
    _register_panel_page()


def _register_policeuk_page() -> None:
    """police.uk data (upload and download) for those who import it: the force's analysts."""
    from django.urls import reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import IMPORT_POLICEUK
    from pont.core.navigation import NavItem, register_nav_item

    register_nav_item(
        NavItem(
            key="stop_search_policeuk",
            label=_("police.uk data"),
            url=reverse_lazy("stop_search:policeuk"),
            capability=IMPORT_POLICEUK,
            order=25,
            description=_(
                "Import the force's monthly stop and search files from data.police.uk, and "
                "download a month in their format."
            ),
            match="stop_search:policeuk",
        )
    )


def _register_panel_page() -> None:
    """The Quality Assurance Panel's sessions: for the commissioner's office that arranges them,
    the panel's members, and the force's inspectors who prepare the cases and respond."""
    from django.urls import reverse_lazy
    from django.utils.translation import gettext_lazy as _

    from pont.accounts.roles import ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL
    from pont.core.navigation import NavItem, register_nav_item

    register_nav_item(
        NavItem(
            key="stop_search_panel",
            label=_("Quality Assurance Panel"),
            url=reverse_lazy("stop_search:panel_list"),
            capability=(ARRANGE_PANEL_SESSIONS, JUDGE_PANEL_CASES, RESPOND_TO_PANEL),
            order=26,
            description=_(
                "Residents review pseudonymised searches for reasonable grounds and fairness; "
                "the force responds and the findings are published."
            ),
            match="stop_search:panel",
        )
    )
