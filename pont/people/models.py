"""The people Pont holds records about, and the routes by which they can be reached."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pont.core.models import TimeStampedModel, VersionedModel
from pont.core.validators import format_uk_phone, normalise_postcode, normalise_uk_phone


class Person(TimeStampedModel, VersionedModel):
    """A data subject: someone tested, searched, referred or diverted.

    `organisation` is the controller that collected the record (the force, or
    a provider); it decides, with the relationships that other modules
    register (a referral to a provider), who may see the record.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("In another way")
        NOT_KNOWN = "not_known", _("Not known")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        WELSH = "cy", _("Welsh")

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("recorded by organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices)
    pnc_id = models.CharField(_("PNC ID"), max_length=13, blank=True, db_index=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    # Folded names for duplicate matching on both databases (no unaccent on SQLite).
    name_key = models.CharField(max_length=210, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["family_name", "given_name", "date_of_birth"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        # change_person is the identity (name, date of birth, gender, PNC ID): the force's.
        # change_contact_routes is how to reach them (routes, preferred language): providers too.
        default_permissions = ("add", "change", "view")
        permissions = [
            (
                "change_contact_routes",
                _("Add and end a person's contact details and set their preferred language"),
            ),
        ]
        indexes = [models.Index(fields=["date_of_birth", "name_key"], name="person_dob_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "pnc_id"],
                condition=~Q(pnc_id=""),
                name="person_pnc_unique_per_controller",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("people:detail", kwargs={"person_id": self.pk})

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def reference(self) -> str:
        """The Pont reference shown to staff and used in the audit log search."""
        return self.reference_for(self.pk)

    @staticmethod
    def reference_for(pk: int) -> str:
        return f"P{pk:06d}"

    def age_on(self, day: date | None = None) -> int:
        day = day or timezone.localdate()
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ContactRoute(TimeStampedModel):
    """One way to reach a person: a phone number, an email address or a postal address.

    Phone numbers are stored in E.164 after validation and postcodes in their
    normalised form, so a referral's completeness check can trust them.
    A route that no longer works is ended, not deleted, to keep its history.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        ADDRESS = "address", _("Address")

    class Use(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        HOME = "home", pgettext_lazy("contact route use", "Home")
        WORK = "work", _("Work")
        TEMPORARY = "temporary", _("Temporary")
        RELEASE = "release", _("Address on release from custody")
        CARE_OF = "care_of", _("Care of someone else")

    # The fields that hold a route's value; which are used depends on the kind.
    VALUE_FIELDS = (
        "phone",
        "email",
        "address_line_1",
        "address_line_2",
        "town",
        "county",
        "postcode",
    )

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="contact_routes"
    )
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    use = models.CharField(_("use"), max_length=12, choices=Use.choices)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    address_line_1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    town = models.CharField(_("town or city"), max_length=100, blank=True)
    county = models.CharField(_("county"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    is_preferred = models.BooleanField(_("preferred"), default=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-is_preferred", "kind", "created_at"]
        verbose_name = _("contact route")
        verbose_name_plural = _("contact routes")
        default_permissions = ()
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(kind="phone") & ~Q(phone=""))
                    | (Q(kind="email") & ~Q(email=""))
                    | (Q(kind="address") & ~Q(address_line_1="") & ~Q(postcode=""))
                ),
                name="contact_route_has_its_value",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(is_preferred=True, ended_at__isnull=True),
                name="contact_route_one_preferred",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display_value}"

    @property
    def display_value(self) -> str:
        if self.kind == self.Kind.PHONE:
            return format_uk_phone(self.phone)
        if self.kind == self.Kind.EMAIL:
            return self.email
        parts = [self.address_line_1, self.address_line_2, self.town, self.county, self.postcode]
        return ", ".join(part for part in parts if part)

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    @property
    def reaches_the_person(self) -> bool:
        """Whether a service can reach the person by this route on its own: a UK phone number
        that parses, or a postal address with a first line and a valid postcode. An email
        address is not enough (the referral's completeness gate)."""
        try:
            if self.kind == self.Kind.PHONE:
                normalise_uk_phone(self.phone)
                return True
            if self.kind == self.Kind.ADDRESS:
                normalise_postcode(self.postcode)
                return bool(self.address_line_1)
        except ValidationError:
            return False
        return False
