"""The pages of a disposal, as officers, supervisors and providers use them (CSRF on)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.disposals.models import Disposal, DisposalCondition, DisposalNotice
from pont.referrals.models import Referral
from pont.testing.disposals import (
    add_condition,
    conditional_caution,
    decision_form,
    drug_service,
    issued,
    issued_conditional_caution,
    recorded_disposal,
)
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, FRONTLINE, INSPECTOR, OPCC, PANEL, PROV_A, PROV_B
from pont.testing.referrals import reachable_person
from pont.testing.stop_search import officer, other_force

pytestmark = pytest.mark.django_db


def page(disposal: Disposal, name: str = "detail", **kwargs: object) -> str:
    return reverse(f"disposals:{name}", kwargs={"disposal_id": disposal.pk, **kwargs})


def test_an_officer_sees_the_recommendation_then_records_the_decision(world, as_persona):
    person = reachable_person(world)
    client = as_persona(FRONTLINE)
    new = f"{reverse('disposals:create')}?person={person.pk}"
    assert person.full_name in client.get(new).content.decode()
    shown = post_form(client, new, {**decision_form(world), "action": "recommend"})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Recommendation" in html
    assert "Conditional Caution" in html
    assert "A gravity of 3 points to the upper tier." in html
    assert 'value="conditional_caution" checked' in html  # the recommendation, preselected
    assert not Disposal.objects.exists()
    saved = post_form(
        client, new, {**decision_form(world, scheme="conditional_caution"), "action": "save"}
    )
    disposal = Disposal.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == page(disposal)
    assert (disposal.person, disposal.officer, disposal.gravity) == (
        person,
        world.users[FRONTLINE],
        3,
    )


def test_an_empty_decision_names_every_missing_field(world, as_persona):
    person = reachable_person(world)
    response = post_form(
        as_persona(FRONTLINE),
        f"{reverse('disposals:create')}?person={person.pk}",
        {"action": "save"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    for message in (
        "Enter the date of the offence.",
        "Say whether the person admitted the offence.",
        "Say whether the evidential test is met.",
    ):
        assert message in html
    assert not Disposal.objects.exists()


def test_a_different_decision_without_a_reason_is_refused_on_the_form(world, as_persona):
    person = reachable_person(world)
    response = post_form(
        as_persona(FRONTLINE),
        f"{reverse('disposals:create')}?person={person.pk}",
        {**decision_form(world, scheme="community_resolution"), "action": "save"},
    )
    assert response.status_code == 400
    assert "it differs from the recommendation" in response.content.decode()


def test_from_decision_to_the_providers_queue_in_the_browser_forms(world, as_persona):
    """The Done-when journey: add a condition, authorise, issue; the provider sees it."""
    disposal = recorded_disposal(
        world, scheme_code="conditional_caution", decision_reason="Second offence this year"
    )
    officer_client = as_persona(FRONTLINE)
    added = post_form(
        officer_client,
        page(disposal, "condition_add"),
        {
            "condition_type": "drug_assessment",
            "service": str(drug_service(world).pk),
            "version": disposal.version,
        },
    )
    assert added.status_code == 302
    disposal.refresh_from_db()
    post_form(officer_client, page(disposal, "submit"), {"version": disposal.version})
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.AWAITING_AUTHORISATION
    supervisor = as_persona(INSPECTOR)
    assert disposal.reference in supervisor.get(reverse("disposals:list")).content.decode()
    post_form(
        supervisor,
        page(disposal, "authorise"),
        {"decision": "approve", "version": disposal.version},
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.AUTHORISED
    refused = post_form(officer_client, page(disposal, "issue"), {"version": disposal.version})
    assert refused.status_code == 400
    assert "Confirm that the person agreed to the conditions." in refused.content.decode()
    issued = post_form(
        officer_client,
        page(disposal, "issue"),
        {"agreement_confirmed": "on", "version": disposal.version},
    )
    assert issued.status_code == 302
    referral = Referral.objects.get(source_kind=Referral.Source.DISPOSAL)
    provider = as_persona(PROV_A)
    queue = provider.get(reverse("referrals:list")).content.decode()
    assert disposal.person.full_name in queue
    other_provider = as_persona(PROV_B)
    assert other_provider.get(referral.get_absolute_url()).status_code == 404
    notice = officer_client.get(page(disposal, "notice"))
    assert notice.status_code == 200
    assert notice["Content-Type"] == "application/pdf"
    assert bytes(notice.content).startswith(b"%PDF")
    detail = officer_client.get(page(disposal)).content.decode()
    assert "Issued" in detail
    assert referral.get_absolute_url() in detail


def test_the_officer_records_a_failed_condition_and_decides_the_breach(world, as_persona):
    disposal = issued_conditional_caution(world)
    condition = disposal.conditions.get()
    client = as_persona(FRONTLINE)
    response = post_form(
        client,
        page(disposal, "condition_outcome", condition_id=condition.pk),
        {"outcome": "failed", "note": "", "version": condition.version},
    )
    assert response.status_code == 400
    assert "Say how you know." in response.content.decode()
    post_form(
        client,
        page(disposal, "condition_outcome", condition_id=condition.pk),
        {"outcome": "failed", "note": "Deadline passed; no contact", "version": condition.version},
    )
    disposal.refresh_from_db()
    assert disposal.status == Disposal.Status.BREACHED
    form = client.get(page(disposal, "breach")).content.decode()
    assert "Prosecute for the original offence" in form
    assert "Give the financial penalty" not in form  # not this scheme's consequence
    decided = post_form(
        client,
        page(disposal, "breach"),
        {"decision": "prosecute", "reason": "No contact at all", "version": disposal.version},
    )
    assert decided.status_code == 302
    disposal.refresh_from_db()
    assert (disposal.status, disposal.breach_decision) == (Disposal.Status.CLOSED, "prosecute")
    assert (
        condition.__class__.objects.get(pk=condition.pk).status == DisposalCondition.Status.FAILED
    )


def test_more_time_gives_a_new_notice_and_the_page_keeps_both(world, as_persona, signed_in):
    """The officer gives more time through the breach form; the page lists the notice given at
    issue (replaced) and the new one (the one that counts now), each downloadable, and only
    for this disposal and this force."""
    from django.test import Client

    disposal = recorded_disposal(world)
    condition = add_condition(world, disposal, "apology")
    issued(world, disposal)
    client = as_persona(FRONTLINE)
    post_form(
        client,
        page(disposal, "condition_outcome", condition_id=condition.pk),
        {"outcome": "failed", "note": "No letter by the deadline", "version": condition.version},
    )
    disposal.refresh_from_db()
    form = client.get(page(disposal, "breach")).content.decode()
    assert "The person is given a new notice with this deadline" in form
    new_deadline = timezone.localdate() + timedelta(days=14)
    decided = post_form(
        client,
        page(disposal, "breach"),
        {
            "decision": "extend",
            "reason": "Was in hospital",
            "new_deadline_0": new_deadline.day,
            "new_deadline_1": new_deadline.month,
            "new_deadline_2": new_deadline.year,
            "version": disposal.version,
        },
    )
    assert decided.status_code == 302
    shown = client.get(decided["Location"]).content.decode()
    assert "More time is given. Give the person the new notice" in shown
    first, revised = DisposalNotice.objects.filter(disposal=disposal).order_by("issued_at")
    for notice, label in ((first, "At issue,"), (revised, "With more time,")):
        link = page(disposal, "notice_kept", notice_id=notice.pk)
        assert f'href="{link}">{label}' in shown
        pdf = client.get(link)
        assert pdf.status_code == 200
        assert bytes(pdf.content) == bytes(notice.pdf)
    assert "the one that counts now" in shown
    assert f"Breach decided: more time, to {new_deadline:%-d %b %Y}" in shown
    assert "Before more time was given: No letter by the deadline" in shown
    assert bytes(client.get(page(disposal, "notice")).content) == bytes(revised.pdf)
    welsh = as_persona(CUSTODY)
    welsh.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    assert "Gyda mwy o amser" in welsh.get(page(disposal)).content.decode()
    # Another disposal's notice by this one's address, another force, other roles: refused.
    other = issued_conditional_caution(world)
    elsewhere = page(disposal, "notice_kept", notice_id=other.notices.get().pk)
    assert client.get(elsewhere).status_code == 404
    force, area = other_force()
    outsider = signed_in(Client(), officer(world, "gwent", organisation=area))
    kept = page(disposal, "notice_kept", notice_id=first.pk)
    assert outsider.get(kept).status_code == 404
    for persona in (PROV_A, PANEL, OPCC):
        assert as_persona(persona).get(kept).status_code == 403


def test_more_time_through_the_breach_form_sends_a_rejected_condition_elsewhere(world, as_persona):
    """The service rejected the condition's referral and the deadline passed: the breach form
    asks where to send it with more time, refuses without an answer (naming the field), and
    sends it as a new referral to the service chosen."""
    from pont.testing.disposals import reject_condition_referral

    disposal = issued_conditional_caution(world)
    reject_condition_referral(world, disposal)
    condition = disposal.conditions.get()
    client = as_persona(FRONTLINE)
    post_form(
        client,
        page(disposal, "condition_outcome", condition_id=condition.pk),
        {"outcome": "failed", "note": "No service by the deadline", "version": condition.version},
    )
    disposal.refresh_from_db()
    field = f"service_{condition.pk}"
    form = client.get(page(disposal, "breach")).content.decode()
    assert f'name="{field}"' in form
    assert "With more time it goes, as a new referral, to the service you choose" in form
    new_deadline = timezone.localdate() + timedelta(days=14)
    answers = {
        "decision": "extend",
        "reason": "The first service was full",
        "new_deadline_0": new_deadline.day,
        "new_deadline_1": new_deadline.month,
        "new_deadline_2": new_deadline.year,
        "version": disposal.version,
    }
    refused = post_form(client, page(disposal, "breach"), answers)
    assert refused.status_code == 400
    shown = refused.content.decode()
    assert f'href="#id_{field}"' in shown  # the error summary links to the field
    kind = condition.condition_type.label
    assert f"Select which service should do ‘{kind}’" in shown
    assert f"Which service should do ‘{kind}’ with more time?" in shown
    assert "Drug and alcohol service A rejected its referral." in shown
    other = drug_service(world, "b")
    decided = post_form(client, page(disposal, "breach"), {**answers, field: str(other.pk)})
    assert decided.status_code == 302
    condition.refresh_from_db()
    assert (condition.status, condition.service_id) == ("pending", other.pk)
    assert condition.referral.receiving_organisation == world.provider_b
    assert condition.referral.status == Referral.Status.REQUESTED
    shown = client.get(decided["Location"]).content.decode()
    assert (
        f"Breach decided: more time, to {new_deadline:%-d %b %Y}; 1 condition sent to a "
        "service again" in shown
    )
    # Provider B sees the new referral; provider A still sees only the one it rejected.
    assert as_persona(PROV_B).get(condition.referral.get_absolute_url()).status_code == 200
    assert as_persona(PROV_A).get(condition.referral.get_absolute_url()).status_code == 404


def test_a_condition_sent_to_another_service_lists_its_new_notice(world, as_persona):
    from pont.testing.disposals import reject_condition_referral

    disposal = issued_conditional_caution(world)
    reject_condition_referral(world, disposal)
    condition = disposal.conditions.get()
    client = as_persona(FRONTLINE)
    address = page(disposal, "condition_refer", condition_id=condition.pk)
    from pont.testing.referrals import provider_service

    other = provider_service(world, "b")  # it does not help with drugs yet
    form = client.get(address).content.decode()
    assert "Send the condition to another service" in form
    assert f'value="{other.pk}"' not in form  # only services offering what the condition needs
    assert f'value="{drug_service(world).pk}"' in form
    assert f'value="{drug_service(world, "b").pk}"' in client.get(address).content.decode()
    sent = post_form(
        client, address, {"service": str(drug_service(world, "b").pk), "version": condition.version}
    )
    assert sent.status_code == 302
    shown = client.get(sent["Location"]).content.decode()
    assert "Give the person the new notice, under the conditions: it names the service." in shown
    first, revised = DisposalNotice.objects.filter(disposal=disposal).order_by("issued_at")
    assert revised.occasion == DisposalNotice.Occasion.NEW_SERVICE
    link = page(disposal, "notice_kept", notice_id=revised.pk)
    assert f'href="{link}">A condition sent to another service,' in shown
    assert bytes(client.get(page(disposal, "notice")).content) == bytes(revised.pdf)
    # A colleague who is not the officer in charge, and a provider: refused.
    again = {"service": str(drug_service(world).pk), "version": condition.version + 1}
    assert post_form(as_persona(CUSTODY), address, again).status_code == 403
    assert post_form(as_persona(PROV_B), address, again).status_code == 403


def test_an_open_referral_is_moved_to_another_service_from_the_disposal(world, as_persona):
    from pont.referrals import services as referrals

    disposal = issued_conditional_caution(world)
    condition = disposal.conditions.get()
    referrals.referral_accept(actor=world.users[PROV_A], referral_id=condition.referral_id)
    client = as_persona(FRONTLINE)
    address = page(disposal, "condition_refer", condition_id=condition.pk)
    assert f'href="{address}"' in client.get(page(disposal)).content.decode()
    form = client.get(address).content.decode()
    assert "is still open. Sending the condition to another service cancels it" in form
    assert 'name="reason"' in form
    answer = {"service": str(drug_service(world, "b").pk), "version": condition.version}
    refused = post_form(client, address, answer)
    assert refused.status_code == 400
    assert 'href="#id_reason"' in refused.content.decode()
    moved = post_form(client, address, {**answer, "reason": "Has moved to Newtown"})
    assert moved.status_code == 302
    condition.refresh_from_db()
    assert condition.referral.receiving_organisation == world.provider_b
    # Provider A reads why its referral was cancelled.
    first = Referral.objects.filter(source_id=str(disposal.pk), status="cancelled").get()
    assert (
        "Has moved to Newtown" in as_persona(PROV_A).get(first.get_absolute_url()).content.decode()
    )


def test_tasks_page_lists_and_closes_the_officers_tasks(world, as_persona):
    disposal = issued_conditional_caution(world)
    from pont.disposals.services import overdue_conditions_flag

    overdue_conditions_flag(today=disposal.conditions.get().deadline + timedelta(days=1))
    client = as_persona(FRONTLINE)
    html = client.get(reverse("disposals:tasks")).content.decode()
    assert "A condition is overdue" in html
    assert disposal.reference in html
    task = disposal.tasks.get()
    empty = post_form(client, reverse("disposals:task_done", kwargs={"task_id": task.pk}), {})
    assert empty.status_code == 400
    assert as_persona(INSPECTOR).post(
        reverse("disposals:task_done", kwargs={"task_id": task.pk})
    ).status_code in (403, 404)
    done = post_form(
        client,
        reverse("disposals:task_done", kwargs={"task_id": task.pk}),
        {"note": "Rang the service; new appointment"},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None


def test_viewing_a_disposal_and_its_notice_is_recorded(world, as_persona):
    disposal = issued_conditional_caution(world)
    client = as_persona(CUSTODY)
    assert client.get(page(disposal)).status_code == 200
    assert client.get(page(disposal, "notice")).status_code == 200
    seen = AuditEvent.objects.filter(
        operation="consultation",
        subject_person_id=disposal.person_id,
        object_id=str(disposal.pk),
        actor=world.users[CUSTODY],
    )
    assert seen.count() == 2


def test_another_forces_officer_gets_404_and_other_roles_403(world, as_persona, signed_in):
    from django.test import Client

    disposal = conditional_caution(world)
    force, area = other_force()
    outsider = officer(world, "gwent", organisation=area)
    client = signed_in(Client(), outsider)
    for name in ("detail", "condition_add", "notice", "issue", "breach"):
        assert client.get(page(disposal, name)).status_code == 404, name
    for persona in (PROV_A, PANEL, OPCC):
        assert as_persona(persona).get(page(disposal)).status_code == 403
    # A force colleague reads it but may not act on it.
    colleague = as_persona(CUSTODY)
    assert colleague.get(page(disposal)).status_code == 200
    assert colleague.get(page(disposal, "condition_add")).status_code == 403


def test_a_persons_record_lists_their_disposals_for_the_force_only(world, as_persona, signed_in):
    """The force's officers see the person's disposals on their record; the provider their
    condition was referred to sees the record and the referral, never the disposal."""
    from django.test import Client

    disposal = issued_conditional_caution(world)
    record = disposal.person.get_absolute_url()
    for persona in (FRONTLINE, CUSTODY):
        page_text = as_persona(persona).get(record).content.decode()
        assert f'href="{reverse("disposals:detail", args=[disposal.pk])}"' in page_text
    referral = disposal.conditions.exclude(referral=None).get().referral
    provider = as_persona(PROV_A).get(record)
    assert provider.status_code == 200
    assert referral.reference in provider.content.decode()
    assert disposal.reference not in provider.content.decode()
    assert as_persona(PROV_B).get(record).status_code == 404
    force, area = other_force()
    outsider = signed_in(Client(), officer(world, "gwent", organisation=area))
    assert outsider.get(record).status_code == 404


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-0", "1e400"])
def test_an_amount_that_is_not_money_is_refused_at_the_amount(amount):
    from pont.disposals.forms import ConditionForm

    form = ConditionForm({"amount": amount, "version": "1"}, condition_types=[], services=[])
    assert not form.is_valid()
    assert form.errors["amount"] == ["Enter the amount in pounds, like 45 or 45.50."]
