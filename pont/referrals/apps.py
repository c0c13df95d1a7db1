from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "pont.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from django.db.models import Q
        from django.urls import reverse_lazy

        from pont.accounts.api_scopes import register_scope
        from pont.accounts.roles import (
            MAKE_REFERRAL,
            MANAGE_WEBHOOKS,
            VIEW_ALL_EMAIL_LOG,
            VIEW_EMAIL_LOG,
            VIEW_REFERRAL_FUNNEL,
            WORK_REFERRAL,
        )
        from pont.core.navigation import NavItem, register_nav_item
        from pont.core.reference import register_reference_table
        from pont.people.access import (
            PersonAction,
            PersonSection,
            register_person_action,
            register_person_relationship,
            register_person_section,
            register_search_purpose,
        )

        from . import checks  # noqa: F401 - registers the settings' checks
        from .actors import READ_SCOPE, WRITE_SCOPE, provider_organisation_ids
        from .models import ClosureReason, ReferralSla
        from .selectors import person_referrals, referral_search_purpose

        # A provider's staff may see the people referred to their provider: by a referral that
        # was sent (never a draft, nor a draft cancelled), both conditions on the same referral.
        def referred_to_my_provider(user: object) -> Q:
            ids = provider_organisation_ids(user)  # type: ignore[arg-type]
            if not ids:
                return Q(pk__in=[])
            return Q(
                referrals__receiving_organisation_id__in=ids, referrals__requested_at__isnull=False
            )

        register_person_relationship("referred_to_provider", referred_to_my_provider)
        register_person_section(
            PersonSection(
                key="referrals",
                template="referrals/_person_referrals.html",
                rows=lambda user, person: person_referrals(actor=user, person=person),
            )
        )
        register_person_action(
            PersonAction(
                key="refer",
                label=_("Refer to a service"),
                url_name="referrals:create",
                capability=MAKE_REFERRAL,
            )
        )
        # "Refer someone to this service" (a service's page): find the person, then refer.
        register_search_purpose(
            "refer_to",
            referral_search_purpose,
            not_found=_(
                "The service you chose to refer to could not be found. Find the person, "
                "then choose the service on the referral form."
            ),
        )
        register_scope(READ_SCOPE, _("Read referrals sent to your organisation"))
        register_scope(
            WRITE_SCOPE, _("Update referrals sent to your organisation and record outcomes")
        )
        register_nav_item(
            NavItem(
                key="referrals",
                label=_("Referrals"),
                url=reverse_lazy("referrals:list"),
                capability=(MAKE_REFERRAL, WORK_REFERRAL),
                order=25,
                description=_(
                    "Referrals made and received, what happened next, and what is overdue."
                ),
                match="referrals:",
            )
        )
        register_nav_item(
            NavItem(
                key="funnel",
                label=_("Referral funnel"),
                url=reverse_lazy("referrals:funnel"),
                capability=VIEW_REFERRAL_FUNNEL,
                order=60,
                description=_(
                    "Where people are lost between referral and treatment, with time limits."
                ),
                match="referrals:funnel",
            )
        )
        register_nav_item(
            NavItem(
                key="webhooks",
                label=_("Webhooks"),
                url=reverse_lazy("referrals:webhook_list"),
                capability=MANAGE_WEBHOOKS,
                order=86,
                description=_(
                    "Have referral events pushed to your own system, and see each delivery."
                ),
                match="referrals:webhook",
            )
        )
        register_nav_item(
            NavItem(
                key="emails",
                label=_("Emails"),
                url=reverse_lazy("referrals:email_log"),
                capability=(VIEW_EMAIL_LOG, VIEW_ALL_EMAIL_LOG),
                order=87,
                description=_(
                    "The emails Pont sent about referrals, and any a mail server would not take."
                ),
                match="referrals:email_log",
            )
        )
        # Dated reference data the system administrator may change (reference data pages).
        register_reference_table(
            ClosureReason, editable_fields=("planned", "needs_treatment_start")
        )
        register_reference_table(ReferralSla, editable_fields=("working_days",))
