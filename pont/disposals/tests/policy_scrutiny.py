"""Policy rows for the disposals scrutiny panel (see policy.py).

The scene: two finished disposals of the force, one last month and one the month before;
last month's sample is open to the panel (no review yet), the month before's was reviewed by
the panel member and closed by the commissioner's officer (so its report is made). Only the
panel member (SCRUTINISE_DISPOSALS) and the commissioner's officer (ARRANGE_SCRUTINY) take
part; everyone else gets 403. The officer draws samples and closes them; the member reviews.
Empty forms are refused (400); closing a sample nobody has reviewed goes back to the sample
with the reason (302).
"""

from typing import Any

from pont.testing.personas import OPCC, PANEL
from pont.testing.policy import REDIRECT, Rule, Scene, same_for, staff_view

_TAKE_PART = frozenset({PANEL, OPCC})
_ARRANGERS = frozenset({OPCC})


def _build(world: Any) -> dict[str, Any]:
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    from pont.disposals import scrutiny_services
    from pont.testing.disposals import scrutiny_finished_disposal, scrutiny_sample_drawn

    first = timezone.localdate().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    before = (last_month - timedelta(days=1)).replace(day=1)
    for month in (last_month, before):
        moment = timezone.make_aware(datetime.combine(month.replace(day=10), time(11, 0)))
        scrutiny_finished_disposal(world, moment)
    sample = scrutiny_sample_drawn(world, last_month)
    closed = scrutiny_sample_drawn(world, before)
    scrutiny_services.scrutiny_review_record(
        actor=world.users[PANEL],
        case_id=closed.cases.get().pk,
        appropriate="yes",
        consistent="yes",
        comments="Proportionate.",
    )
    scrutiny_services.scrutiny_sample_close(actor=world.users[OPCC], sample_id=closed.pk)
    return {
        "scrutiny_sample": sample,
        "scrutiny_case": sample.cases.get(),
        "scrutiny_closed": closed,
    }


SCRUTINY_SCENE = Scene(
    provides=frozenset({"scrutiny_sample", "scrutiny_case", "scrutiny_closed"}), build=_build
)

SCRUTINY_RULES: list[Rule] = [
    Rule(
        "disposals:scrutiny_list",
        staff_view(get=same_for(_TAKE_PART, 200), capable=_TAKE_PART),
    ),
    Rule(
        "disposals:scrutiny_draw",
        staff_view(
            get=same_for(_ARRANGERS, 200), post=same_for(_ARRANGERS, 400), capable=_ARRANGERS
        ),
    ),
    Rule(
        "disposals:scrutiny_sample",
        staff_view(get=same_for(_TAKE_PART, 200), capable=_TAKE_PART),
        kwargs={"sample_id": "scrutiny_sample"},
    ),
    Rule(
        "disposals:scrutiny_close",
        staff_view(post=same_for(_ARRANGERS, REDIRECT), capable=_ARRANGERS),
        kwargs={"sample_id": "scrutiny_sample"},
    ),
    Rule(
        "disposals:scrutiny_report",
        staff_view(post=same_for(_TAKE_PART, 200), capable=_TAKE_PART),
        kwargs={"sample_id": "scrutiny_closed"},
        download=True,
    ),
    # The panel member reviews (an empty review is refused); the commissioner's officer reads.
    Rule(
        "disposals:scrutiny_case",
        staff_view(get=same_for(_TAKE_PART, 200), post={PANEL: 400, OPCC: 403}, capable=_TAKE_PART),
        kwargs={"case_id": "scrutiny_case"},
    ),
]
