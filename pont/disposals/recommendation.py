"""The recommended tier for an adult out-of-court disposal, with its reasons.

A pure function of the facts recorded and the schemes in force on the day, so
the rules can be tested as a table of cases (tests/test_recommendation.py)
and an officer sees exactly why Pont recommends what it does:

1. No out-of-court disposal without the evidential test met (enough evidence
   to charge), nor below the scheme's minimum age (the adult schemes: 18).
2. An offence excluded from the schemes (e.g. indictable only: the
   prosecutor's consent and exceptional circumstances) points to charge.
3. Gravity: the most serious offence's score on the adult matrix (1-4), one
   step up when any aggravating factor is recorded and one step down when
   any mitigating factor is, kept within 1-4. A 4 points to charge, a 3 to
   the upper tier, a 1 or 2 to the lower tier.
4. A scheme that needs an admission cannot be used without one; diversion
   (Outcome 22) can, where a scheme offers it.
5. When the victim opposes an out-of-court disposal, the recommendation says
   so, and the officer must give a reason to go ahead.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

CHARGE = "charge"
NOT_ELIGIBLE = "not_eligible"
LOWEST, HIGHEST = 1, 4


@dataclass(frozen=True)
class SchemeFacts:
    code: str
    tier: str  # lower / upper / diversion
    min_age: int
    needs_admission: bool


@dataclass(frozen=True)
class OffenceFacts:
    code: str
    label: str
    gravity: int
    exclusion: str = ""


@dataclass(frozen=True)
class Case:
    offences: Sequence[OffenceFacts]
    age: int
    admission: bool
    evidential_test_met: bool
    victim_opposes: bool = False
    aggravating: int = 0  # how many aggravating factors were recorded
    mitigating: int = 0


@dataclass(frozen=True)
class Recommendation:
    recommended: str  # a scheme code, CHARGE or NOT_ELIGIBLE
    base_gravity: int
    gravity: int
    reasons: tuple[StrOrPromise, ...] = field(default_factory=tuple)
    reason_needed: bool = False  # the officer must say why, whatever they decide


def adjusted_gravity(base: int, *, aggravating: int, mitigating: int) -> int:
    """One step up for aggravating factors, one down for mitigating ones, within 1-4."""
    score = base + (1 if aggravating else 0) - (1 if mitigating else 0)
    return max(LOWEST, min(HIGHEST, score))


def _first(schemes: Iterable[SchemeFacts], tier: str) -> SchemeFacts | None:
    return next((s for s in schemes if s.tier == tier), None)


def recommend(case: Case, schemes: Sequence[SchemeFacts]) -> Recommendation:
    """The tier the facts point to, and every reason, in the order the rules apply."""
    base = max((o.gravity for o in case.offences), default=LOWEST)
    gravity = adjusted_gravity(base, aggravating=case.aggravating, mitigating=case.mitigating)
    reasons: list[StrOrPromise] = [
        _("Gravity %(base)s for the most serious offence, %(score)s after factors.")
        % {"base": base, "score": gravity}
    ]
    victim = (
        [_("The victim opposes an out-of-court disposal: say why one is still right.")]
        if case.victim_opposes
        else []
    )

    def answer(recommended: str, *why: StrOrPromise) -> Recommendation:
        return Recommendation(
            recommended,
            base,
            gravity,
            tuple([*why, *reasons, *victim]),
            reason_needed=case.victim_opposes,
        )

    if not case.evidential_test_met:
        return answer(
            NOT_ELIGIBLE,
            _(
                "The evidential test is not met: an out-of-court disposal needs enough evidence "
                "to charge."
            ),
        )
    adult = [s for s in schemes if case.age >= s.min_age]
    if not adult:
        return answer(
            NOT_ELIGIBLE,
            _("The adult schemes are for people aged %(age)s or over: use the youth process.")
            % {"age": min((s.min_age for s in schemes), default=18)},
        )
    excluded = [o for o in case.offences if o.exclusion]
    if excluded:
        return answer(
            CHARGE,
            *(
                _("%(offence)s is excluded: %(why)s") % {"offence": o.label, "why": o.exclusion}
                for o in excluded
            ),
        )
    if gravity >= HIGHEST:
        return answer(CHARGE, _("A gravity of 4 normally means charge."))
    if not case.admission:
        diversion = _first((s for s in adult if not s.needs_admission), "diversion")
        if diversion is not None:
            return answer(
                diversion.code,
                _("There is no admission: a caution needs one, diversion (Outcome 22) does not."),
            )
        return answer(CHARGE, _("There is no admission, which every disposal in force needs."))
    tier = "upper" if gravity == HIGHEST - 1 else "lower"
    scheme = _first(adult, tier)
    if scheme is None:
        return answer(NOT_ELIGIBLE, _("No disposal of this tier is in force on this day."))
    why = (
        _("A gravity of 3 points to the upper tier.")
        if tier == "upper"
        else _("A gravity of 1 or 2 points to the lower tier.")
    )
    return answer(scheme.code, why)
