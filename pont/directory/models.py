"""The services directory, following Open Referral HSDS 3.0 (organization, service, location...).

Field names follow HSDS so that import and export are close to one-to-one;
Welsh versions of the text that people read sit beside the English ones
(HSDS has one language per record; the Welsh name is exported as
`alternate_name`). A directory organisation may be a Pont organisation too
(`pont_organisation`): then its services can receive referrals in Pont.
"""

import uuid
from datetime import datetime

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pont.core.models import ReferenceData, TimeStampedModel, reference_data_constraints


def _welsh() -> bool:
    return (get_language() or "en").startswith("cy")


def now_to_the_millisecond() -> datetime:
    """The time now, as precisely as HSDS exchanges it (so a round trip keeps it exactly)."""
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# Details checked longer ago than this are flagged to officers and to the service's managers.
CHECKED_WITHIN_DAYS = 365


class County(models.TextChoices):
    """The counties of Dyfed-Powys (the force area), and the rest of Wales as one area."""

    CARMARTHENSHIRE = "carmarthenshire", _("Carmarthenshire")
    CEREDIGION = "ceredigion", _("Ceredigion")
    PEMBROKESHIRE = "pembrokeshire", _("Pembrokeshire")
    POWYS = "powys", _("Powys")


class NeedCategory(ReferenceData):
    """What a service helps with (drugs, alcohol, housing...): what officers search by."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = reference_data_constraints("need_category")


class DirectoryOrganization(TimeStampedModel):
    """An HSDS organization: a body that provides services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    # HSDS's alternate_name, as for a service: the name in Welsh.
    name_cy = models.CharField(_("Welsh name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    pont_organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation in Pont"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organization",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("directory organisation")
        verbose_name_plural = _("directory organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language (the English one when there is no Welsh)."""
        return self.name_cy if (_welsh() and self.name_cy) else self.name


class Service(TimeStampedModel):
    """An HSDS service: what an organisation offers, to whom, where and when."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        DirectoryOrganization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    name = models.CharField(_("name"), max_length=200)
    name_cy = models.CharField(_("Welsh name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_cy = models.TextField(_("Welsh description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    eligibility_description = models.TextField(_("who it is for"), blank=True)
    eligibility_description_cy = models.TextField(_("who it is for (Welsh)"), blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    application_process = models.TextField(_("how to refer"), blank=True)
    application_process_cy = models.TextField(_("how to refer (Welsh)"), blank=True)
    url = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email address"), blank=True)
    referral_inbox_email = models.EmailField(
        _("referral inbox"),
        blank=True,
        help_text=_("Pont emails a link here (never personal details) when a referral arrives."),
    )
    needs = models.ManyToManyField(
        NeedCategory, verbose_name=_("needs"), blank=True, related_name="+"
    )
    accepts_referrals = models.BooleanField(
        _("takes referrals through Pont"),
        default=False,
        help_text=_(
            "Only services of an organisation that uses Pont can receive referrals in Pont."
        ),
    )
    assured_date = models.DateField(_("details last checked"), null=True, blank=True)
    assurer_email = models.EmailField(_("checked by"), blank=True)
    # HSDS last_modified: when the service or anything about it (phones, times, places)
    # last changed. Kept apart from updated_at so that an import keeps the source's value
    # and a round trip through HSDS gives back the same document.
    last_modified = models.DateTimeField(_("last changed"), default=now_to_the_millisecond)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        permissions = [
            (
                "manage_service_referrals",
                _("Say whether one's own organisation's services take referrals, and where"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_age__isnull=True)
                | models.Q(maximum_age__isnull=True)
                | models.Q(maximum_age__gte=models.F("minimum_age")),
                name="service_age_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("directory:service", kwargs={"service_id": self.pk})

    @property
    def display_name(self) -> str:
        return self.name_cy if (_welsh() and self.name_cy) else self.name

    @property
    def display_description(self) -> str:
        return self.description_cy if (_welsh() and self.description_cy) else self.description

    @property
    def display_eligibility(self) -> str:
        if _welsh() and self.eligibility_description_cy:
            return self.eligibility_description_cy
        return self.eligibility_description

    @property
    def display_application_process(self) -> str:
        if _welsh() and self.application_process_cy:
            return self.application_process_cy
        return self.application_process

    @property
    def checked_long_ago(self) -> bool:
        """Whether the details were last checked (HSDS assured_date) more than a year ago."""
        return (
            self.assured_date is not None
            and (timezone.localdate() - self.assured_date).days > CHECKED_WITHIN_DAYS
        )

    @property
    def can_receive_referrals(self) -> bool:
        return (
            self.accepts_referrals
            and self.status == self.Status.ACTIVE
            and self.organization.pont_organisation_id is not None
        )


class Location(TimeStampedModel):
    """An HSDS location (with its address): where a service is delivered."""

    class LocationType(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        DirectoryOrganization, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    # HSDS's alternate_name, as for a service and an organisation: the name in Welsh.
    name_cy = models.CharField(_("Welsh name"), max_length=200, blank=True)
    location_type = models.CharField(
        _("type"), max_length=10, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    address_1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("town or city"), max_length=100, blank=True)
    state_province = models.CharField(_("county"), max_length=100, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=8, blank=True)
    country = models.CharField(_("country"), max_length=2, default="GB")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name", "city"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        parts = (self.display_name, self.address_1, self.city, self.postal_code)
        return ", ".join(p for p in parts if p)

    @property
    def display_name(self) -> str:
        """The name in the active language (the English one when there is no Welsh)."""
        return self.name_cy if (_welsh() and self.name_cy) else self.name


class ServiceAtLocation(models.Model):
    """An HSDS service_at_location: a service delivered at a location."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["service", "location"], name="service_at_location_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class Phone(models.Model):
    """An HSDS phone, attached to a service, a location or an organisation."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="phones"
    )
    organization = models.ForeignKey(
        DirectoryOrganization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="phones",
    )
    number = models.CharField(_("number"), max_length=30)
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # HSDS has one language; Pont carries the Welsh as a pont-welsh attribute (hsds.py).
    description_cy = models.CharField(_("Welsh description"), max_length=200, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    @property
    def display_description(self) -> str:
        return self.description_cy if (_welsh() and self.description_cy) else self.description


class Schedule(models.Model):
    """An HSDS schedule (iCal-style): when a service is open, weekly."""

    class Day(models.TextChoices):
        MO = "MO", _("Monday")
        TU = "TU", _("Tuesday")
        WE = "WE", _("Wednesday")
        TH = "TH", _("Thursday")
        FR = "FR", _("Friday")
        SA = "SA", _("Saturday")
        SU = "SU", _("Sunday")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    freq = models.CharField(max_length=10, default="WEEKLY")
    # Blank when a schedule is described in words only (HSDS allows that).
    byday = models.CharField(
        _("days"), max_length=30, blank=True, help_text=_("Comma-separated: MO,TU,WE")
    )
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_cy = models.CharField(_("Welsh description"), max_length=300, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["service", "opens_at"]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}-{self.closes_at}"

    @property
    def day_tokens(self) -> list[str]:
        """The days as written, one each: "MO", or with an ordinal ("1MO", first Monday)."""
        return [token.strip() for token in self.byday.split(",") if token.strip()]

    @property
    def display_description(self) -> str:
        return self.description_cy if (_welsh() and self.description_cy) else self.description


class ServiceArea(models.Model):
    """An HSDS service_area: a county the service covers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    county = models.CharField(_("county"), max_length=20, choices=County.choices)

    class Meta:
        ordering = ["county"]
        constraints = [
            models.UniqueConstraint(fields=["service", "county"], name="service_area_unique")
        ]

    def __str__(self) -> str:
        return self.get_county_display()


class ServiceLanguage(models.Model):
    """An HSDS language: a language the service is offered in (ISO 639-1 code)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language code"), max_length=3)
    name = models.CharField(_("language"), max_length=50)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="service_language_unique")
        ]

    def __str__(self) -> str:
        return self.name
