"""Users, the organisations they work for, their roles there, and partner API clients."""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pont.core.models import TimeStampedModel

from .roles import ROLE_DESCRIPTIONS, Role


class Organisation(TimeStampedModel):
    """A body that uses Pont: the force and its parts, providers, the OPCC, its panels.

    Organisations form a tree (force -> area -> custody suite; OPCC -> panel).
    The root of a police user's tree is the data controller for what they record.
    """

    class Kind(models.TextChoices):
        FORCE = "force", _("Police force")
        AREA = "area", _("Policing area (BCU)")
        CUSTODY_SUITE = "custody_suite", _("Custody suite")
        TREATMENT_PROVIDER = "treatment_provider", _("Treatment provider")
        COMMISSIONER = "commissioner", _("Commissioner's office")
        PANEL = "panel", _("Panel")
        PARTNER = "partner", _("Partner agency")

    POLICE_KINDS = frozenset({Kind.FORCE, Kind.AREA, Kind.CUSTODY_SUITE})

    name = models.CharField(_("name"), max_length=200)
    name_cy = models.CharField(_("Welsh name"), max_length=200, blank=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="organisation_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language."""
        if self.name_cy and (get_language() or "en").startswith("cy"):
            return self.name_cy
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind in self.POLICE_KINDS

    def root(self) -> "Organisation":
        """Return the top of this organisation's tree (the force for a custody suite)."""
        node = self
        seen = {node.pk}
        while node.parent_id is not None and node.parent_id not in seen:
            seen.add(node.parent_id)
            node = node.parent  # type: ignore[assignment]  # parent_id is set
        return node


class User(AbstractUser):
    """A member of staff, panel member or officer who signs in to Pont.

    Capabilities come only from roles held through memberships; the
    superuser flag exists in Django's model but a constraint keeps it false.
    """

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        WELSH = "cy", _("Welsh")

    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("manage_users", _("Manage user accounts and their memberships")),
            ("manage_api_clients", _("Manage API clients of one's own organisation")),
            ("manage_all_api_clients", _("Manage API clients of any organisation")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(is_superuser=False), name="user_never_superuser"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def is_verified(self) -> bool:
        """Whether this session gave its second factor.

        django-otp's middleware replaces this on the request's user; anywhere
        else (commands, tasks) the answer is no, which fails closed.
        """
        return False

    def active_memberships(self) -> models.QuerySet["Membership"]:
        return self.memberships.filter(ended_at__isnull=True, organisation__is_active=True)


class Membership(TimeStampedModel):
    """A user holds a role in an organisation, until the membership ends."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_at__isnull=True),
                name="membership_one_active_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.organisation}"

    @property
    def role_description(self) -> str:
        """What this role does in Pont, for the user's home page."""
        return str(ROLE_DESCRIPTIONS.get(self.role, ""))


class UserSession(models.Model):
    """A signed-in session of a user, so sessions can be listed and ended (ASVS 7.4, 7.5.2)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class ApiClient(TimeStampedModel):
    """A partner system that calls Pont's API with a bearer key on behalf of an organisation.

    The key is shown once when the client is created. Pont keeps its prefix
    (to find the client) and a SHA-256 digest of the whole key (to check it):
    the key is 256 random bits, so a fast hash is safe where a password
    would need a slow one.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    name = models.CharField(_("name"), max_length=120)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    key_prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
