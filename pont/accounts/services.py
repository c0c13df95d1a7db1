"""Every change to organisations, accounts, memberships and API clients."""

import secrets
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from pont.audit import services as audit
from pont.core.exceptions import ApplicationError

from .api_scopes import known_scopes
from .backends import forget_cached_access
from .models import ApiClient, Membership, Organisation, User, UserSession
from .roles import MANAGE_ALL_API_CLIENTS, MANAGE_API_CLIENTS, MANAGE_USERS, ROLE_ORGANISATION_KINDS

Operation = audit.Operation

NOT_ALLOWED = _("You do not have permission to do that.")
PARENT_KINDS: dict[str, set[str | None]] = {
    Organisation.Kind.FORCE: {None},
    Organisation.Kind.AREA: {Organisation.Kind.FORCE},
    Organisation.Kind.CUSTODY_SUITE: {Organisation.Kind.AREA, Organisation.Kind.FORCE},
    Organisation.Kind.TREATMENT_PROVIDER: {None},
    Organisation.Kind.COMMISSIONER: {None},
    Organisation.Kind.PANEL: {Organisation.Kind.COMMISSIONER},
    Organisation.Kind.PARTNER: {None},
}


def _require(user: User | None, capability: str) -> None:
    """Refuse unless the actor holds the capability; None is the system (commands, migrations)."""
    if user is not None and not user.has_perm(capability):
        raise ApplicationError(str(NOT_ALLOWED), status=403)


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    slug: str,
    kind: str,
    parent: Organisation | None = None,
    name_cy: str = "",
) -> Organisation:
    """Create an organisation in its proper place in the tree (a suite under an area...)."""
    _require(actor, MANAGE_USERS)
    allowed = PARENT_KINDS.get(kind)
    if allowed is None:
        message = str(_("Select a kind of organisation."))
        raise ApplicationError(message, {"fields": {"kind": [message]}})
    if (parent.kind if parent else None) not in allowed:
        message = str(_("This kind of organisation cannot be part of that one."))
        raise ApplicationError(message, {"fields": {"parent": [message]}})
    organisation = Organisation(name=name, name_cy=name_cy, slug=slug, kind=kind, parent=parent)
    organisation.full_clean()
    organisation.save()
    audit.record(actor=actor, operation=Operation.COLLECTION, obj=organisation)
    return organisation


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    given_name: str,
    family_name: str,
    email: str,
    password: str | None = None,
    preferred_language: str = User.Language.ENGLISH,
) -> tuple[User, str | None]:
    """Create an account; return it and, if none was given, a one-time initial password.

    An initial password is random, shown once, and must be changed at first
    sign-in (ASVS 6.4.1).
    """
    _require(actor, MANAGE_USERS)
    username = username.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        message = str(_("That username is already taken."))
        raise ApplicationError(message, {"fields": {"username": [message]}})
    initial = None
    if password is None:
        initial = secrets.token_urlsafe(15)
        password = initial
    user = User(
        username=username,
        first_name=given_name.strip(),
        last_name=family_name.strip(),
        email=email.strip().lower(),
        preferred_language=preferred_language,
        must_change_password=initial is not None,
    )
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(
            str(_("Choose a different password.")), {"fields": {"password": error.messages}}
        ) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(actor=actor, operation=Operation.COLLECTION, obj=user)
    return user, initial


@transaction.atomic
def membership_create(
    *, actor: User | None, user: User, organisation: Organisation, role: str
) -> Membership:
    """Give a user a role in an organisation of a kind that role belongs to."""
    _require(actor, MANAGE_USERS)
    kinds = ROLE_ORGANISATION_KINDS.get(role)
    if kinds is None:
        message = str(_("Select a role."))
        raise ApplicationError(message, {"fields": {"role": [message]}})
    if organisation.kind not in kinds:
        message = str(_("This role cannot be held in that kind of organisation."))
        raise ApplicationError(message, {"fields": {"organisation": [message]}})
    if Membership.objects.filter(
        user=user, organisation=organisation, role=role, ended_at__isnull=True
    ).exists():
        raise ApplicationError(str(_("The user already holds this role there.")), status=409)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    forget_cached_access(user)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=user,
        detail={"membership_added": membership.pk, "role": role, "organisation": organisation.pk},
    )
    return membership


@transaction.atomic
def membership_end(*, actor: User | None, membership: Membership) -> Membership:
    """End a membership: its capabilities stop at the user's next request."""
    _require(actor, MANAGE_USERS)
    if membership.ended_at is None:
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at", "updated_at"])
        forget_cached_access(membership.user)
        audit.record(
            actor=actor,
            operation=Operation.ALTERATION,
            obj=membership.user,
            detail={"membership_ended": membership.pk},
        )
    return membership


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    sessions = UserSession.objects.filter(user=user)
    if keep:
        sessions = sessions.exclude(session_key=keep)
    keys = list(sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    sessions.delete()
    return len(keys)


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop an account signing in and end every session it has (ASVS 7.4.2)."""
    _require(actor, MANAGE_USERS)
    if user.pk == actor.pk:
        raise ApplicationError(str(_("You cannot deactivate your own account.")), status=409)
    if user.is_active:
        user.is_active = False
        user.deactivated_at = timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        for membership in user.active_memberships():
            membership.ended_at = timezone.now()
            membership.save(update_fields=["ended_at", "updated_at"])
        ended = _end_sessions(user)
        audit.record(
            actor=actor,
            operation=Operation.ALTERATION,
            obj=user,
            detail={"deactivated": True, "sessions_ended": ended},
        )
    return user


@transaction.atomic
def user_second_factor_reset(*, actor: User, user: User) -> int:
    """Remove a user's authenticator devices so they enrol again at next sign-in.

    For a lost phone, after the administrator has confirmed who is asking
    (ASVS 6.4.4). Their sessions end too.
    """
    _require(actor, MANAGE_USERS)
    if user.pk == actor.pk:
        # Signed out at once with no app: another administrator confirms who is asking.
        raise ApplicationError(
            str(_("Ask another administrator to reset your own authenticator app.")), status=409
        )
    if not user.is_active:
        raise ApplicationError(str(_("That account has been deactivated.")), status=409)
    count, _deleted = TOTPDevice.objects.filter(user=user).delete()
    _end_sessions(user)
    audit.record(
        actor=actor, operation=Operation.ALTERATION, obj=user, detail={"second_factor_reset": True}
    )
    return count


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """Give a user who has forgotten their password a new temporary one, shown once to the
    administrator, to be changed at the next sign-in (ASVS 6.4.1); their sessions end. For
    after the administrator has confirmed who is asking (ASVS 6.4.4), as for a lost phone."""
    _require(actor, MANAGE_USERS)
    if user.pk == actor.pk:
        raise ApplicationError(
            str(_("Change your own password from your account page.")), status=409
        )
    if not user.is_active:
        raise ApplicationError(str(_("That account has been deactivated.")), status=409)
    initial = secrets.token_urlsafe(15)
    user.set_password(initial)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ended = _end_sessions(user)
    audit.record(
        actor=actor,
        operation=Operation.ALTERATION,
        obj=user,
        detail={"password_reset": True, "sessions_ended": ended},
    )
    return initial


@transaction.atomic
def user_password_changed(*, user: User, session_key: str | None) -> int:
    """After a password change: clear the must-change flag and end the user's other sessions."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    ended = _end_sessions(user, keep=session_key)
    audit.record(
        actor=user, operation=Operation.ALTERATION, obj=user, detail={"password_changed": True}
    )
    return ended


def session_started(*, user: User, session_key: str, user_agent: str) -> None:
    """Remember a new signed-in session so it can be listed and ended later."""
    UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "user_agent": user_agent[:300]}
    )


def session_ended(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in known_scopes()]
    if unknown:
        raise ApplicationError(
            str(_("Select scopes from the list.")), {"fields": {"scopes": unknown}}
        )
    return scopes


@transaction.atomic
def api_client_create(
    *, actor: User, organisation: Organisation, name: str, scopes: Iterable[str] = ()
) -> tuple[ApiClient, str]:
    """Create an API client; return it and its key, which is never shown again."""
    if not actor.has_perm(MANAGE_ALL_API_CLIENTS):
        _require(actor, MANAGE_API_CLIENTS)
        if not actor.active_memberships().filter(organisation=organisation).exists():
            raise ApplicationError(str(NOT_ALLOWED), status=403)
    name = name.strip()
    if not name:
        raise ApplicationError(
            str(_("Enter a name for the client.")), {"fields": {"name": ["required"]}}
        )
    from django.conf import settings

    prefix = secrets.token_hex(6)
    key = f"{settings.PONT_API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(
        organisation=organisation,
        name=name,
        scopes=_check_scopes(scopes),
        key_prefix=prefix,
        key_digest=ApiClient.digest(key),
        created_by=actor,
    )
    client.full_clean()
    client.save()
    audit.record(
        actor=actor, operation=Operation.COLLECTION, obj=client, detail={"scopes": client.scopes}
    )
    return client, key


@transaction.atomic
def api_client_revoke(*, actor: User, client: ApiClient) -> ApiClient:
    """Stop a client's key working, at once and for good."""
    if not actor.has_perm(MANAGE_ALL_API_CLIENTS):
        _require(actor, MANAGE_API_CLIENTS)
    if client.is_active:
        client.is_active = False
        client.revoked_at = timezone.now()
        client.save(update_fields=["is_active", "revoked_at", "updated_at"])
        audit.record(
            actor=actor, operation=Operation.ALTERATION, obj=client, detail={"revoked": True}
        )
    return client
