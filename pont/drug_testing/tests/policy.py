"""Policy rows for Test on Arrest: custody roles act; the assessment's provider sees its own
Required Assessment steps and notices (provider B: not found); nobody else sees anything."""

from typing import Any

from django.utils import timezone

from pont.testing.personas import CUSTODY, INSPECTOR, PROV_A, PROV_A_MGR, PROV_B, PROV_B_MGR
from pont.testing.policy import PROVIDERS, REDIRECT, Rule, Scene, same_for, staff_view

_CUSTODY = frozenset({CUSTODY, INSPECTOR})
_A = frozenset({PROV_A, PROV_A_MGR})
_B = frozenset({PROV_B, PROV_B_MGR})
_NOTICE_READERS = _CUSTODY | PROVIDERS


def _build(world: Any) -> dict[str, Any]:
    """A positive test, its Required Assessment to provider A, missed: a breach and a task."""
    from datetime import timedelta

    from pont.referrals import services as referrals
    from pont.referrals.models import Appointment
    from pont.testing.drug_testing import imposed_assessment

    assessment = imposed_assessment(world)
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=assessment.referral_id)
    Appointment.objects.filter(pk=assessment.initial_appointment_id).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    referrals.attendance_record(
        actor=world.users[PROV_A],
        referral_id=assessment.referral_id,
        appointment_id=assessment.initial_appointment_id,
        attendance="did_not_attend",
    )
    return {
        "drug_test": assessment.test,
        "assessment": assessment,
        "notice": assessment.notices.get(),
        "breach": assessment.breaches.get(),
        "task": assessment.test.tasks.get(),
    }


SCENE = Scene(
    provides=frozenset({"drug_test", "assessment", "notice", "breach", "task"}), build=_build
)


def _custody(get: Any = None, post: Any = None) -> dict:
    return staff_view(
        get=same_for(_CUSTODY, get) if get is not None else None,
        post=same_for(_CUSTODY, post) if post is not None else None,
        capable=_CUSTODY,
    )


def _on_test(name: str, post: Any) -> Rule:
    return Rule(name, _custody(post=post), kwargs={"test_id": "drug_test"})


def _on_breach(name: str, **answers: Any) -> Rule:
    return Rule(name, _custody(**answers), kwargs={"breach_id": "breach"})


def _provider(name: str, *, get: Any = None, post: Any = None) -> Rule:
    return Rule(
        name,
        staff_view(
            get={**same_for(_A, get), **same_for(_B, 404)} if get is not None else None,
            post={**same_for(_A, post), **same_for(_B, 404)} if post is not None else None,
            capable=PROVIDERS,
        ),
        kwargs={"assessment_id": "assessment"},
    )


RULES = [
    Rule("drug_testing:list", _custody(get=200)),
    # An empty form names every missing field.
    Rule("drug_testing:create", _custody(get=200, post=400)),
    Rule("drug_testing:eligibility", _custody(post=200)),
    Rule("drug_testing:tasks", _custody(get=200)),
    # The scene's task is the custody officer's (they imposed the assessment); an empty note is
    # refused. It is not the inspector's task: not found.
    Rule(
        "drug_testing:task_done",
        staff_view(post={CUSTODY: 400, INSPECTOR: 404}, capable=_CUSTODY),
        kwargs={"task_id": "task"},
    ),
    Rule("drug_testing:breach_list", _custody(get=200)),
    _on_breach("drug_testing:breach_detail", get=200),
    _on_breach("drug_testing:breach_decide", post=400),
    _on_breach("drug_testing:breach_court", post=400),
    _on_breach("drug_testing:breach_pack", get=200),
    Rule(
        "drug_testing:notice_pdf",
        staff_view(
            get={**same_for(_CUSTODY | _A, 200), **same_for(_B, 404)}, capable=_NOTICE_READERS
        ),
        kwargs={"notice_id": "notice"},
    ),
    _provider("drug_testing:provider_assessment", get=200),
    # Provider A: an empty follow-up form is refused; ending the requirement before attendance
    # is refused with a message on the page (redirect). Provider B: not found.
    _provider("drug_testing:provider_follow_up", post=400),
    _provider("drug_testing:provider_cease", post=REDIRECT),
    Rule("drug_testing:test_detail", _custody(get=200), kwargs={"test_id": "drug_test"}),
    _on_test("drug_testing:dispute", post=400),
    _on_test("drug_testing:confirmation", post=400),
    _on_test("drug_testing:impose", post=400),
    _on_test("drug_testing:vary", post=400),
]
