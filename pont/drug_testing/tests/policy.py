"""Policy rows for Test on Arrest: custody roles act; the assessment's provider sees its own
Required Assessment steps and notices (provider B: not found); nobody else sees anything."""

from typing import Any

from django.utils import timezone

from pont.testing.personas import (
    CUSTODY,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PROV_A,
    PROV_A_MGR,
    PROV_B,
    PROV_B_MGR,
    SYSADMIN,
)
from pont.testing.policy import PROVIDERS, REDIRECT, Rule, Scene, same_for, staff_view

_CUSTODY = frozenset({CUSTODY, INSPECTOR})
_A = frozenset({PROV_A, PROV_A_MGR})
_B = frozenset({PROV_B, PROV_B_MGR})
_NOTICE_READERS = _CUSTODY | PROVIDERS
# The dashboard: the force's custody roles and operations lead; the OPCC in aggregate.
_DASHBOARD = _CUSTODY | {OPSLEAD, OPCC}
_REVIEWERS = frozenset({INSPECTOR})


def _build(world: Any) -> dict[str, Any]:
    """A positive test, its Required Assessment to provider A, missed: a breach and a task;
    and the month's quality-assurance sample, drawn by the inspector, with the test in it."""
    from datetime import timedelta

    from pont.drug_testing import services
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
    sample = services.qa_sample_draw(actor=world.users[INSPECTOR], month=timezone.localdate())
    return {
        "drug_test": assessment.test,
        "assessment": assessment,
        "notice": assessment.notices.get(),
        "breach": assessment.breaches.get(),
        "task": assessment.test.tasks.get(),
        "qa_sample": sample,
        "qa_review": sample.reviews.get(),
    }


SCENE = Scene(
    provides=frozenset(
        {"drug_test", "assessment", "notice", "breach", "task", "qa_sample", "qa_review"}
    ),
    build=_build,
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
    # Figures only: the force's custody roles and operations lead, and the OPCC (suppressed).
    Rule(
        "drug_testing:dashboard",
        staff_view(get=same_for(_DASHBOARD, 200), capable=_DASHBOARD),
    ),
    Rule(
        "drug_testing:dashboard_csv",
        staff_view(get=same_for(_DASHBOARD, 200), capable=_DASHBOARD),
    ),
    # The custody inspector's quality assurance: an empty draw or review names its field.
    Rule(
        "drug_testing:qa_list",
        staff_view(
            get=same_for(_REVIEWERS, 200), post=same_for(_REVIEWERS, 400), capable=_REVIEWERS
        ),
    ),
    Rule(
        "drug_testing:qa_detail",
        staff_view(get=same_for(_REVIEWERS, 200), capable=_REVIEWERS),
        kwargs={"sample_id": "qa_sample"},
    ),
    Rule(
        "drug_testing:qa_review",
        staff_view(post=same_for(_REVIEWERS, 400), capable=_REVIEWERS),
        kwargs={"review_id": "qa_review"},
    ),
    _on_test("drug_testing:dispute", post=400),
    _on_test("drug_testing:confirmation", post=400),
    _on_test("drug_testing:impose", post=400),
    _on_test("drug_testing:vary", post=400),
]


# Suites' notified testing arrangements: reference data, the system administrator only.
# The custody suite comes from the accounts scene (pont/accounts/tests/policy.py).
_ARRANGERS = frozenset({SYSADMIN})


def _new_arrangement(scene: dict[str, Any]) -> dict[str, Any]:
    from datetime import timedelta

    starts = timezone.localdate() + timedelta(days=400)
    return {
        "effective_from_0": starts.day,
        "effective_from_1": starts.month,
        "effective_from_2": starts.year,
        "notified": ["arrest_condition", "charge_condition"],
        "source": "Home Office notification (policy test)",
    }


RULES += [
    Rule(
        "drug_testing:arrangements",
        staff_view(get=same_for(_ARRANGERS, 200), capable=_ARRANGERS),
    ),
    Rule(
        "drug_testing:arrangement_add",
        staff_view(
            get=same_for(_ARRANGERS, 200),
            post=same_for(_ARRANGERS, REDIRECT),
            capable=_ARRANGERS,
        ),
        kwargs={"suite_id": "custody_suite"},
        data=_new_arrangement,
    ),
]
