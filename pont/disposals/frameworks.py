"""The statutory two-tier framework (PCSC Act 2022 Part 6), from the day it commences.

The 2017 non-statutory framework (Community Resolution, Conditional Caution)
is loaded by the data migration from the force's adoption of it (1 November
2019). The statutory one replaces those two with the Community Caution (lower
tier; breach: a financial penalty, then a fine at court) and the Diversionary
Caution (upper tier; breach: prosecution for the original offence). Its
commencement is set by regulations, so its date is given by the force:
`pont disposals-statutory-framework --from DATE --by USERNAME` (a system
administrator) ends the two 2017 disposals the day before and starts the
statutory ones on that day. Decisions made before the day keep the scheme they
were made under; Outcome 22 continues under both.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from pont.accounts.models import User
from pont.accounts.reference_services import reference_row_end
from pont.accounts.roles import MANAGE_REFERENCE_DATA
from pont.audit import services as audit
from pont.core.exceptions import ApplicationError, require_capability

from .models import DisposalScheme

REPLACED = ("community_resolution", "conditional_caution")
PCSC = "Police, Crime, Sentencing and Courts Act 2022 Part 6"
SOURCE = PCSC + " (commencement date given by the force; verify sections and caps)"
STATUTORY = [
    {
        "code": "community_caution",
        "label_en": "Community Caution",
        "label_cy": "Rhybudd Cymunedol",
        "tier": DisposalScheme.Tier.LOWER,
        "breach_consequence": DisposalScheme.Consequence.FINANCIAL_PENALTY,
        "min_conditions": 1,
        "condition_categories": "rehabilitative,reparative,punitive",
        "statutory_basis": PCSC + " (conditions of a community caution, agreed by the person)",
        "sort_order": 40,
    },
    {
        "code": "diversionary_caution",
        "label_en": "Diversionary Caution",
        "label_cy": "Rhybudd Dargyfeiriol",
        "tier": DisposalScheme.Tier.UPPER,
        "breach_consequence": DisposalScheme.Consequence.PROSECUTION,
        "min_conditions": 1,
        "condition_categories": (
            "rehabilitative,reparative,punitive,restrictive,unpaid_work,attendance"
        ),
        "statutory_basis": PCSC + " (conditions of a diversionary caution, agreed by the person)",
        "sort_order": 50,
    },
]


@transaction.atomic
def statutory_framework_commence(*, actor: User, effective_from: date) -> list[DisposalScheme]:
    """End the 2017 lower and upper tiers the day before and start the statutory ones."""
    require_capability(actor, MANAGE_REFERENCE_DATA)
    started = DisposalScheme.objects.filter(framework=DisposalScheme.Framework.PCSC_2022).first()
    if started is not None:
        raise ApplicationError(
            str(_("The statutory framework already starts on %(day)s."))
            % {"day": started.effective_from.isoformat()},
            status=409,
        )
    replaced = list(
        DisposalScheme.objects.filter(code__in=REPLACED, effective_to__isnull=True).order_by("code")
    )
    if any(effective_from <= row.effective_from for row in replaced):
        raise ApplicationError(
            str(_("The statutory framework must start after the schemes it replaces.")),
            {"fields": {"effective_from": ["too_early"]}},
        )
    for row in replaced:
        reference_row_end(
            actor=actor,
            model=DisposalScheme,
            pk=row.pk,
            effective_to=effective_from - timedelta(days=1),
        )
    made = []
    for values in STATUTORY:
        row = DisposalScheme(
            framework=DisposalScheme.Framework.PCSC_2022,
            min_age=18,
            needs_admission=True,
            outcome_code="3",
            effective_from=effective_from,
            source=SOURCE,
            **values,
        )
        row.full_clean()
        row.save()
        audit.record(
            actor=actor,
            operation=audit.Operation.COLLECTION,
            obj=row,
            detail={"table": "disposals.disposalscheme", "code": row.code},
        )
        made.append(row)
    return made
