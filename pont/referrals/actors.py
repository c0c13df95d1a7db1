"""Who is acting on a referral: a member of staff (portal) or a partner system (API).

The referral engine treats both alike: each acts for organisations, on one
side of the referral. A provider's staff and its API clients work referrals
to that provider; officers make referrals for their force.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from pont.accounts.models import ApiClient, User
from pont.accounts.roles import MAKE_REFERRAL, WORK_REFERRAL
from pont.accounts.selectors import controller_ids_for, memberships_of

READ_SCOPE = "referrals:read"
WRITE_SCOPE = "referrals:write"

Actor = User | ApiClient


def is_client(actor: Any) -> bool:
    return isinstance(actor, ApiClient)


# How a partner system is named where its actions are kept (as the audit log names it too).
_CLIENT_LABEL = "api-client:"


def actor_label(actor: Actor) -> str:
    if isinstance(actor, ApiClient):
        return f"{_CLIENT_LABEL}{actor.pk}:{actor.name}"
    return actor.get_username()


def names_shown(labels: Iterable[str]) -> dict[str, str]:
    """What a page shows for each stored actor label (the timeline keeps who acted as
    `actor_label` made it): a member of staff's full name (their user name if they have no
    name, or are no longer known), a partner system's name marked as such."""
    labels = set(labels)
    users = {
        u.username: u.get_full_name() or u.username
        for u in User.objects.filter(username__in=labels).only(
            "username", "first_name", "last_name"
        )
    }
    shown = {}
    for label in labels:
        if label.startswith(_CLIENT_LABEL):
            name = label.split(":", 2)[-1]
            shown[label] = _("%(name)s (partner system)") % {"name": name}
        else:
            shown[label] = users.get(label, label)
    return shown


def provider_organisation_ids(actor: Actor, *, write: bool = False) -> frozenset[int]:
    """The organisations whose incoming referrals this actor may work (read, or write)."""
    if isinstance(actor, ApiClient):
        scope = WRITE_SCOPE if write else READ_SCOPE
        if actor.is_active and actor.has_scope(scope):
            return frozenset({actor.organisation_id})
        return frozenset()
    if not actor.has_perm(WORK_REFERRAL):
        return frozenset()
    return frozenset(
        m.organisation_id
        for m in memberships_of(user=actor)
        if m.organisation.kind == m.organisation.Kind.TREATMENT_PROVIDER
    )


def referrer_controller_ids(actor: Actor) -> frozenset[int]:
    """The controllers (forces) whose referrals this actor may make and follow."""
    if isinstance(actor, ApiClient) or not actor.has_perm(MAKE_REFERRAL):
        return frozenset()
    return controller_ids_for(user=actor)
