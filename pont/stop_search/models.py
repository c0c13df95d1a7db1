"""Stop and search: the record (PACE Code A 4.3 and every police.uk field), outcome
amendments that never overwrite, and police.uk imports.

A search keeps two outcomes: the one recorded at the time of the search
(`outcome_at_search`, `linked_at_search`), which never changes, and the current
one (`outcome`, `outcome_linked`), which an `OutcomeAmendment` changes with its
reason and evidence. Reports choose which to use.

The vocabularies that police.uk publishes and that can change (outcomes,
self-defined ethnicity, legislation, object of search) are dated reference data
with their police.uk label; labels police.uk used before (the pre-2018
vocabulary) are `PoliceUkAlias` rows pointing at the current code. The small
fixed sets (type, gender, age range, officer-defined ethnicity) are choices.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pont.core.models import (
    ReferenceData,
    TimeStampedModel,
    VersionedModel,
    reference_data_constraints,
)


class SearchOutcome(ReferenceData):
    """An outcome of a search, as police.uk names it now."""

    policeuk_label = models.CharField(_("police.uk label"), max_length=120)
    # Whether the outcome means the search found something that led to action (not "nothing
    # found" and not "no further action").
    found = models.BooleanField(_("something found and acted on"), default=False)

    class Meta(ReferenceData.Meta):
        verbose_name = _("search outcome")
        verbose_name_plural = _("search outcomes")
        constraints = reference_data_constraints("search_outcome")


class SelfDefinedEthnicity(ReferenceData):
    """A self-defined ethnicity (2011 Census categories), with its Census 2021 broad group."""

    class Group(models.TextChoices):
        WHITE = "white", _("White")
        MIXED = "mixed", _("Mixed or multiple ethnic groups")
        ASIAN = "asian", _("Asian or Asian British")
        BLACK = "black", _("Black, Black British, Caribbean or African")
        OTHER = "other", _("Other ethnic group")
        NOT_STATED = "not_stated", _("Not stated")

    policeuk_label = models.CharField(_("police.uk label"), max_length=120)
    group = models.CharField(_("broad group"), max_length=12, choices=Group.choices)

    class Meta(ReferenceData.Meta):
        verbose_name = _("self-defined ethnicity")
        verbose_name_plural = _("self-defined ethnicities")
        constraints = reference_data_constraints("self_defined_ethnicity")


class Legislation(ReferenceData):
    """The power a search was made under."""

    policeuk_label = models.CharField(_("police.uk label"), max_length=120)

    class Meta(ReferenceData.Meta):
        verbose_name = _("search power")
        verbose_name_plural = _("search powers")
        constraints = reference_data_constraints("search_legislation")


class ObjectOfSearch(ReferenceData):
    """What the officer was looking for."""

    policeuk_label = models.CharField(_("police.uk label"), max_length=120)

    class Meta(ReferenceData.Meta):
        verbose_name = _("object of search")
        verbose_name_plural = _("objects of search")
        constraints = reference_data_constraints("object_of_search")


class PoliceUkAlias(models.Model):
    """A label police.uk used for a value before (e.g. "Suspect arrested" for "Arrest")."""

    class Column(models.TextChoices):
        OUTCOME = "outcome", _("Outcome")
        SELF_DEFINED_ETHNICITY = "self_defined_ethnicity", _("Self-defined ethnicity")
        LEGISLATION = "legislation", _("Legislation")
        OBJECT_OF_SEARCH = "object_of_search", _("Object of search")

    column = models.CharField(_("column"), max_length=24, choices=Column.choices)
    label = models.CharField(_("police.uk label"), max_length=160)
    code = models.CharField(_("code"), max_length=64)
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        verbose_name = _("police.uk label used before")
        constraints = [
            models.UniqueConstraint(fields=["column", "label"], name="policeuk_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.column}: {self.label} -> {self.code}"


class PoliceUkImport(models.Model):
    """One force-month of police.uk stop-and-search data, as last imported.

    Re-importing a force-month replaces its searches (police.uk re-issues months
    as outcomes are updated); the row keeps the latest file's hash and counts.
    Its searches are `PublishedSearch` rows.
    """

    force = models.CharField(_("police.uk force id"), max_length=60)
    # The force in Pont that the police.uk id names (the searches' controller).
    controller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("force"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))  # the first day of the month
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The keys its searches were written with, first and last: `published_searches` reads by
    # them (the published searches table has no index but its key: ADR 0005).
    first_search_id = models.BigIntegerField(null=True, blank=True, editable=False)
    last_search_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("police.uk import")
        ordering = ["-month", "force"]
        constraints = [
            models.UniqueConstraint(fields=["force", "month"], name="policeuk_import_force_month")
        ]

    def __str__(self) -> str:
        return f"{self.force} {self.month:%Y-%m}"

    def published_searches(self) -> "models.QuerySet[PublishedSearch]":
        """This import's searches: those of its key range that name it (another import
        written at the same time on PostgreSQL may have keys inside the range)."""
        if self.first_search_id is None or self.last_search_id is None:
            return PublishedSearch.objects.none()
        return PublishedSearch.objects.filter(
            id__range=(self.first_search_id, self.last_search_id), policeuk_import=self
        )


class Search(TimeStampedModel, VersionedModel):
    """One stop and search recorded in Pont (PACE Code A 4.3 content, and every police.uk
    column). Searches imported from police.uk files are `PublishedSearch` rows."""

    class Type(models.TextChoices):
        PERSON = "person", _("Person search")
        VEHICLE = "vehicle", _("Vehicle search")
        PERSON_AND_VEHICLE = "person_and_vehicle", _("Person and vehicle search")

    class Gender(models.TextChoices):
        NOT_RECORDED = "", _("Not recorded")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        OTHER = "other", _("Other")

    class AgeRange(models.TextChoices):
        NOT_RECORDED = "", _("Not recorded")
        UNDER_10 = "under_10", _("under 10")
        AGE_10_17 = "10_17", "10-17"
        AGE_18_24 = "18_24", "18-24"
        AGE_25_34 = "25_34", "25-34"
        OVER_34 = "over_34", _("over 34")

    class OfficerDefinedEthnicity(models.TextChoices):
        NOT_RECORDED = "", _("Not recorded")
        WHITE = "white", _("White")
        BLACK = "black", _("Black")
        ASIAN = "asian", _("Asian")
        MIXED = "mixed", _("Mixed")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed by search_controller_day (its first column), not on its own.
    controller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("force"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Partial indexes (see Meta): searches without an area, officer or person are not in them.
    area = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    search_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    # police.uk gives some forces' searches to the day only (local midnight).
    day_only = models.BooleanField(_("day known, time not"), default=False)
    # The local day and month (Europe/London), kept for grouping: police.uk dates are UTC.
    local_date = models.DateField(_("day (local)"))
    part_of_operation = models.BooleanField(_("part of a policing operation"), null=True)
    operation_name = models.CharField(_("policing operation"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    age_range = models.CharField(_("age range"), max_length=8, choices=AgeRange.choices, blank=True)
    self_defined_ethnicity = models.CharField(
        _("self-defined ethnicity"), max_length=64, blank=True
    )
    officer_defined_ethnicity = models.CharField(
        _("officer-defined ethnicity"),
        max_length=6,
        choices=OfficerDefinedEthnicity.choices,
        blank=True,
    )
    legislation = models.CharField(_("legislation"), max_length=64, blank=True)
    object_of_search = models.CharField(_("object of search"), max_length=64, blank=True)
    grounds = models.TextField(_("grounds for the search"), blank=True)
    # PACE Code A 4.3(1), (4)-(5) and (9): who, if they gave no name; where they were first
    # detained, if not where searched; any injury or damage.
    person_description = models.TextField(_("description of the person"), blank=True)
    detained_place = models.CharField(_("where first detained"), max_length=300, blank=True)
    injury_or_damage = models.TextField(_("injury or damage"), blank=True)
    removal_more_than_outer_clothing = models.BooleanField(
        _("removal of more than outer clothing"), null=True
    )
    body_worn_video = models.BooleanField(_("body-worn video used"), null=True)
    body_worn_video_reference = models.CharField(
        _("body-worn video reference"), max_length=100, blank=True
    )
    vehicle_registration = models.CharField(_("vehicle registration"), max_length=10, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Linked only when the person gave their name.
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="searches",
        db_index=False,
    )

    outcome_at_search = models.CharField(
        _("outcome at the time of search"), max_length=64, blank=True
    )
    linked_at_search = models.BooleanField(
        _("outcome linked to the object of search, at the time"), null=True
    )
    outcome = models.CharField(_("outcome"), max_length=64, blank=True)
    outcome_linked = models.BooleanField(_("outcome linked to the object of search"), null=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ["-occurred_at"]
        permissions = [
            ("record_search", _("Record stop and search")),
            ("view_searches", _("See stop and search records of the force")),
            ("amend_search_outcome", _("Amend the outcome of a search")),
            ("import_policeuk", _("Import and export police.uk stop and search data")),
        ]
        default_permissions = ()
        constraints = [
            models.CheckConstraint(condition=~Q(grounds=""), name="search_grounds_recorded"),
        ]
        indexes = [
            models.Index(fields=["controller", "local_date"], name="search_controller_day"),
            # Partial: "column = value" implies "is not null", so both databases use them.
            models.Index(fields=["area"], condition=Q(area__isnull=False), name="search_area"),
            models.Index(
                fields=["officer"], condition=Q(officer__isnull=False), name="search_officer"
            ),
            models.Index(
                fields=["person"], condition=Q(person__isnull=False), name="search_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_search_type_display()} {self.local_date}"


class RowIdField(models.BigAutoField):
    """A 64-bit key made by the database; on SQLite the table's own rowid without
    AUTOINCREMENT (which keeps a counter in another table, written at every INSERT).

    Without it SQLite may give a key again once the rows with the highest keys are
    deleted; only for rows that nothing refers to.
    """

    def db_type_suffix(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return None
        return super().db_type_suffix(connection)


class PublishedSearch(models.Model):
    """A search as police.uk published it, from an imported file (`PoliceUkImport`).

    Not a record made in Pont: police.uk publishes no grounds, officer, place or
    person, so a published search is not amended, sampled for audit or shown to
    a panel. It counts in the figures (`SearchTally`, counted as it is written)
    and goes out again in the police.uk export. A force-month's rows are
    replaced whole when the month is imported again, and never changed else.

    Lean on purpose (docs/adr/0005): an integer key and no other index (an
    import's searches are found by the range of keys it wrote, kept on the
    import: `PoliceUkImport.published_searches`), and no foreign-key
    constraint in the database, which PostgreSQL checks by one trigger per row
    written; the import creates its record in the same transaction, and Pont
    deletes the rows of an import itself.
    """

    id = RowIdField(primary_key=True)
    policeuk_import = models.ForeignKey(
        PoliceUkImport,
        on_delete=models.CASCADE,
        related_name="searches",
        db_constraint=False,
        db_index=False,
    )
    search_type = models.CharField(_("type"), max_length=20, choices=Search.Type.choices)
    occurred_at = models.DateTimeField(_("date and time"))
    part_of_operation = models.BooleanField(_("part of a policing operation"), null=True)
    operation_name = models.CharField(_("policing operation"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gender = models.CharField(_("gender"), max_length=6, choices=Search.Gender.choices, blank=True)
    age_range = models.CharField(
        _("age range"), max_length=8, choices=Search.AgeRange.choices, blank=True
    )
    self_defined_ethnicity = models.CharField(
        _("self-defined ethnicity"), max_length=64, blank=True
    )
    officer_defined_ethnicity = models.CharField(
        _("officer-defined ethnicity"),
        max_length=6,
        choices=Search.OfficerDefinedEthnicity.choices,
        blank=True,
    )
    legislation = models.CharField(_("legislation"), max_length=64, blank=True)
    object_of_search = models.CharField(_("object of search"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=64, blank=True)
    outcome_linked = models.BooleanField(_("outcome linked to the object of search"), null=True)
    removal_more_than_outer_clothing = models.BooleanField(
        _("removal of more than outer clothing"), null=True
    )

    class Meta:
        verbose_name = _("published search")
        verbose_name_plural = _("published searches")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.get_search_type_display()} {self.occurred_at:%Y-%m-%d}"


class OutcomeAmendment(models.Model):
    """A later change of a search's outcome: never an overwrite, always with its reason."""

    search = models.ForeignKey(Search, on_delete=models.PROTECT, related_name="amendments")
    outcome = models.CharField(_("new outcome"), max_length=64)
    outcome_linked = models.BooleanField(_("linked to the object of search"), null=True)
    previous_outcome = models.CharField(_("previous outcome"), max_length=64, blank=True)
    previous_linked = models.BooleanField(_("previously linked"), null=True)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("amended by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amended_at = models.DateTimeField(_("amended at"))

    class Meta:
        verbose_name = _("outcome amendment")
        ordering = ["amended_at", "pk"]

    def __str__(self) -> str:
        return f"{self.search_id}: {self.previous_outcome} -> {self.outcome}"


class CensusPopulation(models.Model):
    """Usual residents of an area by broad ethnic group (Census 2021, table TS021).

    The denominators of the search rates. Loaded from the ONS file shipped in
    `pont/stop_search/data/census2021/` (see its SOURCES.md); never edited by hand.
    """

    census_day = models.DateField(_("census day"))
    area_code = models.CharField(_("ONS area code"), max_length=9)
    area_name = models.CharField(_("area"), max_length=100)
    group = models.CharField(
        _("broad ethnic group"), max_length=12, choices=SelfDefinedEthnicity.Group.choices
    )
    usual_residents = models.PositiveIntegerField(_("usual residents"))
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        verbose_name = _("Census population")
        ordering = ["area_name", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["census_day", "area_code", "group"], name="census_population_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area_name} {self.group}: {self.usual_residents}"


# The monthly audit of searches -------------------------------------------------------
# Dyfed-Powys Police's Ethical Use of Police Powers Group: "a local inspector and an
# independent inspector reviewing the quality and necessity of up to 25% of searches each
# month. Findings are fed back individually and to the group regarding organisational
# learning" (report to the Police and Crime Panel, 25 October 2019, recommendation 8).


class SearchAuditRule(ReferenceData):
    """A number the monthly audit of searches follows, dated so that a change needs no code.

    Codes: sample_percent (the share of a month's searches drawn for review, in percent).
    """

    value = models.PositiveIntegerField(_("value"))

    class Meta(ReferenceData.Meta):
        verbose_name = _("search audit rule")
        verbose_name_plural = _("search audit rules")
        constraints = reference_data_constraints("search_audit_rule")


class SearchReviewTheme(ReferenceData):
    """A learning theme a reviewer can name, counted month by month for the force's learning.

    Dated rows, not fixed choices: the Ethical Use of Police Powers Group changes what
    it looks for, and a retired theme must keep its meaning on the reviews that named it.
    """

    class Meta(ReferenceData.Meta):
        verbose_name = _("search review theme")
        verbose_name_plural = _("search review themes")
        constraints = reference_data_constraints("search_review_theme")


class AuditSample(TimeStampedModel):
    """One month's sample of a force's searches, drawn once, for the two inspectors to review.

    The seed, the share and a fingerprint of the searches drawn from are kept, so
    that anyone can draw again and check that the same searches come out.
    `drawn_by` is empty when the periodic job drew it.
    """

    controller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("force"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField(_("month"))  # the first day of the month sampled
    share_percent = models.PositiveSmallIntegerField(_("share sampled (percent)"))
    seed = models.CharField(_("seed"), max_length=64)
    population = models.PositiveIntegerField(_("searches in the month"))
    population_sha256 = models.CharField(_("fingerprint of the searches drawn from"), max_length=64)
    strata = models.PositiveIntegerField(_("strata (officer and area)"))
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("audit sample of searches")
        verbose_name_plural = _("audit samples of searches")
        ordering = ["-month", "controller"]
        default_permissions = ()
        permissions = [
            ("review_searches", _("Review the searches sampled for audit")),
            ("view_search_audit", _("See the figures of the audit of searches")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["controller", "month"], name="audit_sample_month"),
            models.CheckConstraint(
                condition=Q(share_percent__gte=1, share_percent__lte=100),
                name="audit_sample_share_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.controller_id} {self.month:%Y-%m}"


class SampledSearch(models.Model):
    """A search drawn into a month's sample, at random or because it must always be reviewed."""

    class Reason(models.TextChoices):
        RANDOM = "random", _("Drawn at random")
        # Every search with removal of more than outer clothing is reviewed, whatever the
        # draw: the most intrusive searches (PACE Code A 3.6-3.7). A local rule of the audit.
        STRIP_SEARCH = "strip_search", _("More than outer clothing removed: always reviewed")

    sample = models.ForeignKey(AuditSample, on_delete=models.CASCADE, related_name="sampled")
    search = models.ForeignKey(Search, on_delete=models.PROTECT, related_name="samplings")
    reason = models.CharField(_("why it was drawn"), max_length=12, choices=Reason.choices)

    class Meta:
        verbose_name = _("sampled search")
        verbose_name_plural = _("sampled searches")
        ordering = ["sample", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "search"], name="sampled_search_once")
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}: {self.search_id}"


class SearchReview(TimeStampedModel, VersionedModel):
    """The local or the independent inspector's review of a sampled search.

    Both rows are made, empty, when the sample is drawn; each is recorded once, by
    a conditional update on its version (two reviewers of the same kind cannot both
    record it, on SQLite as on PostgreSQL). A recorded review is final: the two
    reviews are independent judgements, which the agreement figures rely on.
    """

    class Kind(models.TextChoices):
        LOCAL = "local", _("Local inspector")
        INDEPENDENT = "independent", _("Independent inspector")

    class GroundsReasonable(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    class BodyWornVideo(models.TextChoices):
        YES = "yes", _("Yes, the video was reviewed")
        NO = "no", _("No, the video was not reviewed")
        NOT_AVAILABLE = "not_available", _("No video is available")

    class Rating(models.TextChoices):
        RED = "red", _("Red")
        AMBER = "amber", _("Amber")
        GREEN = "green", _("Green")

    sampled = models.ForeignKey(SampledSearch, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("reviewer"), max_length=12, choices=Kind.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    grounds_reasonable = models.CharField(
        _("grounds reasonable"), max_length=8, choices=GroundsReasonable.choices, blank=True
    )
    grounds_recorded_sufficiently = models.BooleanField(
        _("grounds recorded sufficiently"), null=True
    )
    body_worn_video = models.CharField(
        _("body-worn video reviewed"), max_length=14, choices=BodyWornVideo.choices, blank=True
    )
    conduct = models.TextField(_("conduct and fairness"), blank=True)
    rating = models.CharField(_("rating"), max_length=6, choices=Rating.choices, blank=True)
    feedback = models.TextField(_("feedback to the officer"), blank=True)
    themes = models.ManyToManyField(
        SearchReviewTheme, verbose_name=_("learning themes"), blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("search review")
        verbose_name_plural = _("search reviews")
        ordering = ["sampled", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["sampled", "kind"], name="search_review_once_per_kind"),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True)
                | (
                    Q(reviewer__isnull=False, grounds_recorded_sufficiently__isnull=False)
                    & ~Q(grounds_reasonable="")
                    & ~Q(body_worn_video="")
                    & ~Q(rating="")
                ),
                name="search_review_recorded_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sampled_id} {self.kind}"

    @property
    def is_recorded(self) -> bool:
        return self.reviewed_at is not None


# The Quality Assurance Panel ------------------------------------------------------------


class PanelSession(TimeStampedModel, VersionedModel):
    """A sitting of the commissioner's Quality Assurance Panel on a month of a force's searches.

    The commissioner's office draws the cases (the seed is kept); the force prepares
    each one for the panel (the grounds as the panel will read them, with nobody
    named and no place); the office opens the session to the panel's members, who
    record their judgements; the office closes it (the report), the force records
    its response, and the office publishes a summary for the public, in Welsh and
    English. A member of the panel never sees a name, an exact place or an
    officer: officers are pseudonyms, stable within one session only.
    """

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared by the force")
        OPEN = "open", _("Open to the panel")
        CLOSED = "closed", _("Closed")

    controller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("force"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    panel = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("panel"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    meeting_date = models.DateField(_("meeting date"))
    month = models.DateField(_("month of the searches"))  # the first day of the month
    seed = models.CharField(_("seed"), max_length=64)
    population = models.PositiveIntegerField(_("searches the cases were drawn from"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREPARING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("arranged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened to the panel at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    force_response = models.TextField(_("the force's response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("response recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("response recorded at"), null=True, blank=True)
    summary_en = models.TextField(_("public summary in English"), blank=True)
    summary_cy = models.TextField(_("public summary in Welsh"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel session")
        verbose_name_plural = _("panel sessions")
        ordering = ["-meeting_date", "-pk"]
        default_permissions = ()
        permissions = [
            ("arrange_panel_sessions", _("Arrange the Quality Assurance Panel's sessions")),
            ("judge_panel_cases", _("Judge the searches put to the Quality Assurance Panel")),
            ("respond_to_panel", _("Prepare the panel's cases and record the force's response")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="preparing", opened_at__isnull=True, closed_at__isnull=True)
                | Q(status="open", opened_at__isnull=False, closed_at__isnull=True)
                | Q(status="closed", opened_at__isnull=False, closed_at__isnull=False),
                name="panel_session_status_times",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True)
                | (Q(status="closed") & ~Q(summary_en="") & ~Q(summary_cy="")),
                name="panel_session_published_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.panel_id} {self.meeting_date}"


class PanelCase(models.Model):
    """A search put to the panel, as the panel sees it: numbered, the officer a pseudonym, the
    grounds as the force prepared them for the panel (never the grounds as recorded)."""

    session = models.ForeignKey(PanelSession, on_delete=models.CASCADE, related_name="cases")
    search = models.ForeignKey(Search, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("case"))
    officer_pseudonym = models.CharField(_("officer"), max_length=40)
    grounds_for_panel = models.TextField(_("grounds, as prepared for the panel"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    footage_requested_at = models.DateTimeField(_("footage requested at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel case")
        verbose_name_plural = _("panel cases")
        ordering = ["session", "number"]
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="panel_case_number"),
            models.UniqueConstraint(fields=["session", "search"], name="panel_case_once"),
            models.CheckConstraint(
                condition=Q(prepared_at__isnull=True)
                | (Q(prepared_by__isnull=False) & ~Q(grounds_for_panel="")),
                name="panel_case_prepared_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} #{self.number}"

    @property
    def is_prepared(self) -> bool:
        return self.prepared_at is not None


class PanelJudgement(TimeStampedModel):
    """One panel member's judgement of one case; they may change it while the session is open."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNSURE = "unsure", _("Unsure")

    case = models.ForeignKey(PanelCase, on_delete=models.CASCADE, related_name="judgements")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("panel member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasonable_grounds = models.CharField(
        _("reasonable grounds"), max_length=6, choices=Answer.choices
    )
    treated_fairly = models.CharField(_("treated fairly"), max_length=6, choices=Answer.choices)
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        verbose_name = _("panel judgement")
        verbose_name_plural = _("panel judgements")
        ordering = ["case", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="panel_judgement_once"),
            models.CheckConstraint(
                condition=Q(reasonable_grounds__in=["yes", "no", "unsure"])
                & Q(treated_fairly__in=["yes", "no", "unsure"]),
                name="panel_judgement_answers_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.member_id}"


# Roll-up ------------------------------------------------------------------------------------


class SearchTally(models.Model):
    """How many of a force's searches share a month, an area, a self-defined ethnicity and both
    outcomes: the figures are counted from these few rows, never from every search.

    Kept by `stop_search.tallies`: a recorded search adds one, an amendment moves one
    between rows, a police.uk import adds the searches it writes and takes away those it
    replaces. Rows are summed when read, so two rows with the same key (two first searches
    of a kind recorded at the same moment) count correctly; `tallies.check` compares them
    with the searches.
    """

    controller = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("force"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"))  # the first day of the search's local month
    area = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("area"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    self_defined_ethnicity = models.CharField(_("self-defined ethnicity"), max_length=64)
    outcome = models.CharField(_("outcome"), max_length=64)
    outcome_linked = models.BooleanField(_("outcome linked"), null=True)
    outcome_at_search = models.CharField(_("outcome at the time of the search"), max_length=64)
    linked_at_search = models.BooleanField(_("linked at the time of the search"), null=True)
    searches = models.IntegerField(_("searches"))

    class Meta:
        verbose_name = _("search tally")
        verbose_name_plural = _("search tallies")
        default_permissions = ()
        indexes = [models.Index(fields=["controller", "month"], name="search_tally_month")]

    def __str__(self) -> str:
        return f"{self.controller_id} {self.month:%Y-%m}: {self.searches}"
