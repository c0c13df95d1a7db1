"""Reads about users, organisations and their scope."""

from django.conf import settings
from django.db.models import QuerySet

from .models import ApiClient, Membership, Organisation, User
from .roles import MANAGE_ALL_API_CLIENTS, MANAGE_API_CLIENTS, roles_with


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """Return the user's active memberships with their organisations."""
    return user.active_memberships().select_related("organisation", "organisation__parent")


def controller_ids_for(*, user: User) -> frozenset[int]:
    """Return the organisations whose records the user works on behalf of.

    A police user works for the force at the top of their organisation's
    tree (a custody officer at Llanelli records for Dyfed-Powys Police); any
    other user works for their own organisation (a provider, the OPCC).
    """
    cache = getattr(user, "_pont_cache_controller_ids", None)
    if cache is not None:
        return cache
    ids: set[int] = set()
    for membership in memberships_of(user=user):
        organisation = membership.organisation
        ids.add(organisation.root().pk if organisation.is_police else organisation.pk)
    result = frozenset(ids)
    user._pont_cache_controller_ids = result  # type: ignore[attr-defined]  # per-request cache
    return result


def force_ids_for(*, user: User) -> frozenset[int]:
    """The forces the user works for (none for the commissioner's office or a provider)."""
    return frozenset(
        Organisation.objects.filter(
            pk__in=controller_ids_for(user=user), kind=Organisation.Kind.FORCE
        ).values_list("pk", flat=True)
    )


def primary_controller_for(*, user: User) -> Organisation | None:
    """Return the organisation a new record by this user belongs to (their first membership)."""
    membership = memberships_of(user=user).order_by("created_at", "pk").first()
    if membership is None:
        return None
    organisation = membership.organisation
    return organisation.root() if organisation.is_police else organisation


def force_units_for(*, user: User, kind: str) -> QuerySet[Organisation]:
    """The active organisations of a kind (areas, custody suites) in the user's force(s)."""
    forces = controller_ids_for(user=user)
    units = [
        o.pk
        for o in Organisation.objects.filter(kind=kind, is_active=True)
        if o.root().pk in forces
    ]
    return Organisation.objects.filter(pk__in=units).order_by("name")


def areas_for(*, user: User) -> QuerySet[Organisation]:
    """The policing areas of the user's force(s): where a search or a disposal happened."""
    return force_units_for(user=user, kind=Organisation.Kind.AREA)


# Oversight. A police and crime commissioner's office (and its panels, and the independent
# inspector who works for it) oversees forces from outside them. Pont records no link
# between an office and a force, so the setting PONT_COMMISSIONER_FORCES (office slug ->
# force slugs) says which (docs/adr/0003-commissioner-oversight.md). Unset, Pont serves
# one force area and every office oversees every active force; once set, an office it
# does not list oversees none.
OVERSIGHT_SETTING = "PONT_COMMISSIONER_FORCES"


def forces_overseen_by(office: Organisation) -> frozenset[int]:
    """The active forces a commissioner's office oversees (`PONT_COMMISSIONER_FORCES`)."""
    forces = Organisation.objects.filter(kind=Organisation.Kind.FORCE, is_active=True)
    overseen = getattr(settings, OVERSIGHT_SETTING, None)
    if overseen:
        forces = forces.filter(slug__in=list(overseen.get(office.slug, ())))
    return frozenset(forces.values_list("pk", flat=True))


def overseen_force_ids_for(*, user: User) -> frozenset[int]:
    """The forces the user oversees through a commissioner's office or one of its panels
    (none for anyone else: a force's own staff work for it, they do not oversee it)."""
    cache = getattr(user, "_pont_cache_overseen_forces", None)
    if cache is not None:
        return cache
    ids: set[int] = set()
    for membership in memberships_of(user=user):
        organisation = membership.organisation
        if organisation.kind == Organisation.Kind.COMMISSIONER:
            ids |= forces_overseen_by(organisation)
        elif organisation.kind == Organisation.Kind.PANEL and organisation.parent is not None:
            ids |= forces_overseen_by(organisation.parent)
    result = frozenset(ids)
    user._pont_cache_overseen_forces = result  # type: ignore[attr-defined]  # per-request cache
    return result


def user_list_visible_to(*, user: User) -> QuerySet[User]:
    """Return the user accounts a system administrator may manage."""
    if not user.has_perm("accounts.manage_users"):
        return User.objects.none()
    return User.objects.prefetch_related("memberships__organisation").order_by("username")


def user_get_for_manager(*, user: User, user_id: int) -> User | None:
    """Return the account if the manager may manage it, else None (shown as 404)."""
    return user_list_visible_to(user=user).filter(pk=user_id).first()


def api_client_list_visible_to(*, user: User) -> QuerySet[ApiClient]:
    """Return the API clients the user may manage: all, or their own organisations'."""
    clients = ApiClient.objects.select_related("organisation", "created_by")
    if user.has_perm(MANAGE_ALL_API_CLIENTS):
        return clients
    if user.has_perm(MANAGE_API_CLIENTS):
        own = memberships_of(user=user).values_list("organisation_id", flat=True)
        return clients.filter(organisation_id__in=list(own))
    return clients.none()


def api_client_get_for_user(*, user: User, client_id: int) -> ApiClient | None:
    return api_client_list_visible_to(user=user).filter(pk=client_id).first()


def organisations_for_api_clients(*, user: User) -> QuerySet[Organisation]:
    """Return the organisations the user may create API clients for."""
    if user.has_perm(MANAGE_ALL_API_CLIENTS):
        return Organisation.objects.filter(is_active=True)
    if user.has_perm(MANAGE_API_CLIENTS):
        own = memberships_of(user=user).values_list("organisation_id", flat=True)
        return Organisation.objects.filter(pk__in=list(own), is_active=True)
    return Organisation.objects.none()


def users_able_to(*, capability: str, organisation_id: int) -> QuerySet[User]:
    """The active users who hold, in the organisation itself, a role that gives the capability
    (by name; a membership that has ended, or an organisation closed, gives nothing)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__organisation__is_active=True,
            memberships__ended_at__isnull=True,
            memberships__role__in=roles_with(capability),
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
