"""Each persona's journey through the running app in Chromium, checked with axe-core.

The data each journey starts from is made through the services, as in
production; the journey itself only clicks, types and reads, as the person does.
"""

import pytest
from django.urls import reverse

from pont.disposals.models import Disposal
from pont.referrals.models import Referral
from pont.testing.browser import fill_day, fill_drug_test, fill_required_assessment
from pont.testing.disposals import authorised, conditional_caution
from pont.testing.personas import FRONTLINE, PROV_A

# `journey` comes first in each test's arguments. It makes the test transactional (the
# server's thread must see the data) and puts the reference data back after the database is
# emptied; a fixture set up before it would empty it after the reference data came back.
pytestmark = pytest.mark.browser


def test_an_officer_issues_a_conditional_disposal_and_the_provider_sees_its_referral(
    journey, world
):
    disposal = authorised(world, conditional_caution(world))
    person = disposal.person.full_name
    journey.sign_in(world.users[FRONTLINE])
    journey.go(reverse("disposals:list"))
    journey.click(f"a:has-text('{disposal.reference}')")
    assert "Authorised, not yet issued" in journey.text()
    journey.click("a:has-text('Issue the disposal')")
    journey.click("button:has-text('Issue the disposal')")  # without the agreement
    assert "Confirm that the person agreed to the conditions." in journey.text()
    journey.page.check("input[name=agreement_confirmed]")
    journey.click("button:has-text('Issue the disposal')")
    text = journey.text()
    assert "The disposal is issued." in text
    assert "Issued: conditions running" in text
    assert Disposal.objects.get(pk=disposal.pk).status == Disposal.Status.ISSUED

    journey.sign_in(world.users[PROV_A])
    journey.go(reverse("referrals:list"))
    assert person in journey.text()
    referral = Referral.objects.get(source_kind=Referral.Source.DISPOSAL)
    journey.go(referral.get_absolute_url())
    assert "Attend a drug assessment" in journey.text()


def test_a_provider_worker_accepts_a_referral_tries_to_call_and_records_non_attendance(
    journey, world
):
    from datetime import timedelta

    from django.utils import timezone

    from pont.referrals.models import Appointment
    from pont.testing.referrals import referral_in, sent_earlier

    # Sent two days ago: the attempt and the appointment were yesterday (nothing can be
    # recorded before the referral was sent, nor attendance before the appointment).
    referral = sent_earlier(referral_in(world, "requested"))
    yesterday = timezone.localdate() - timedelta(days=1)
    page = journey.page
    journey.sign_in(world.users[PROV_A])
    journey.go(reverse("referrals:list"))
    journey.click(f"a[href='{referral.get_absolute_url()}']")
    journey.click("button:has-text('Accept referral')")
    assert "Accepted" in journey.text()

    attempt = page.locator(
        f"form[action='{reverse('referrals:contact_attempt', args=[referral.pk])}']"
    )
    page.click("summary:has-text('Record a contact attempt')")
    attempt.locator("input[name=method][value=phone]").check()
    fill_day(attempt, "day", yesterday)
    attempt.locator("input[name=at]").fill("10:00")
    attempt.locator("input[name=result][value=no_answer]").check()
    attempt.locator("button").click()
    journey.check()
    assert "No answer" in journey.text()

    booking = page.locator(f"form[action='{reverse('referrals:appointment', args=[referral.pk])}']")
    page.click("summary:has-text('Book an appointment')")
    fill_day(booking, "day", yesterday)
    booking.locator("input[name=at]").fill("14:00")
    booking.locator("input[name=place]").fill("Llanelli hub, 12 Stepney Street")
    booking.locator("button").click()
    journey.check()

    page.click("summary:has-text('Record attendance at the appointment')")
    page.get_by_label("Did not attend").check()
    journey.click("button:has-text('Record attendance')")
    assert "Did not attend" in journey.text()
    appointment = Appointment.objects.get(referral=referral)
    assert appointment.attendance == Appointment.Attendance.DID_NOT_ATTEND
    assert Referral.objects.get(pk=referral.pk).contact_attempts.count() == 1

    # A second appointment, next week; then the worker closes the referral: the form says
    # first that closing cancels it, and afterwards the page shows it cancelled.
    page.click("summary:has-text('Book an appointment')")
    fill_day(booking, "day", timezone.localdate() + timedelta(days=7))
    booking.locator("input[name=at]").fill("11:00")
    booking.locator("input[name=place]").fill("Llanelli hub, 12 Stepney Street")
    booking.locator("button").click()
    journey.check()
    page.click("summary:has-text('Close the referral')")
    closing = page.locator(f"form[action='{reverse('referrals:close', args=[referral.pk])}']")
    assert "Closing the referral cancels the appointments still to come" in journey.text()
    closing.locator("select[name=closure_reason]").select_option("dna_before_assessment")
    closing.locator("button").click()
    journey.check()
    table = " ".join(
        page.locator("table:has(caption:has-text('Appointments'))").inner_text().split()
    )
    assert "Llanelli hub, 12 Stepney Street Cancelled" in table
    assert Appointment.objects.filter(referral=referral, attendance="cancelled").count() == 1
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.FAILED


def test_the_public_read_the_stop_search_figures_and_the_services_in_welsh(journey, world):
    from pont.testing.referrals import provider_service

    service = provider_service(world)
    journey.go("/")
    journey.click("form[action$='set-language'] button:has-text('Cymraeg')")
    assert journey.page.get_attribute("html", "lang") == "cy"
    journey.go(reverse("stop_search:public"))
    text = journey.text()
    assert "Stopio a chwilio" in text
    assert "Stop and search" not in text
    journey.go(reverse("directory:public_list"))
    assert service.name in journey.text()
    assert journey.page.get_attribute("html", "lang") == "cy"


def test_an_inspector_reviews_a_search_drawn_for_the_monthly_audit(journey, world):
    from pont.stop_search.models import SearchReview
    from pont.testing.personas import INSPECTOR
    from pont.testing.stop_search import drawn_sample, previous_month, searched_in

    searched_in(world, previous_month(), removal_more_than_outer_clothing=True)
    sample = drawn_sample(world)
    sampled = sample.sampled.get()
    page = journey.page
    journey.sign_in(world.users[INSPECTOR])
    journey.go(reverse("stop_search:audit_list"))
    journey.click(f"a[href='{reverse('stop_search:audit_sample', args=[sample.pk])}']")
    journey.click(f"a[href='{reverse('stop_search:audit_review', args=[sampled.pk])}']")
    journey.click("button:has-text('Record your review')")  # nothing answered
    assert "There is a problem" in journey.text()
    page.check("input[name=grounds_reasonable][value=partly]")
    page.check("input[name=grounds_recorded_sufficiently][value=no]")
    page.check("input[name=body_worn_video][value=yes]")
    page.fill("textarea[name=conduct]", "Calm and polite; the grounds were thin.")
    page.check("input[name=rating][value=amber]")
    page.fill("textarea[name=feedback]", "Record what you saw, not only the smell.")
    journey.click("button:has-text('Record your review')")
    review = SearchReview.objects.get(sampled=sampled, kind="local")
    assert (review.grounds_reasonable, review.rating) == ("partly", "amber")
    assert "Record what you saw" in review.feedback


def test_a_panel_member_judges_a_pseudonymised_search(journey, world):
    from pont.stop_search.models import PanelJudgement
    from pont.testing.personas import PANEL
    from pont.testing.referrals import reachable_person
    from pont.testing.stop_search import opened_session, previous_month, searched_in

    person = reachable_person(world, given_name="Zephyrine")
    searched_in(world, previous_month(), person=person)
    session = opened_session(world, cases=1)
    case = session.cases.get()
    page = journey.page
    journey.sign_in(world.users[PANEL])
    journey.go(reverse("stop_search:panel_list"))
    journey.click(f"a[href='{reverse('stop_search:panel_session', args=[session.pk])}']")
    journey.click(f"a[href='{reverse('stop_search:panel_case', args=[case.pk])}']")
    seen = journey.page.content()
    assert "Zephyrine" not in seen
    assert "Parry" not in seen
    assert "Officer A" in journey.text()
    page.check("input[name=reasonable_grounds][value=yes]")
    page.check("input[name=treated_fairly][value=unsure]")
    page.fill("textarea[name=comments]", "The video would settle it.")
    journey.click("button:has-text('Record your judgement')")
    judgement = PanelJudgement.objects.get(case=case)
    assert (judgement.reasonable_grounds, judgement.treated_fairly) == ("yes", "unsure")


def test_a_custody_officer_records_a_positive_test_and_prints_the_ra1(journey, world):
    from datetime import timedelta

    from django.utils import timezone

    from pont.drug_testing.models import DrugTest, Notice
    from pont.testing.drug_testing import suite_arranged
    from pont.testing.personas import CUSTODY
    from pont.testing.referrals import provider_service

    suite_arranged(world)
    service = provider_service(world)
    now = timezone.now()
    page = journey.page
    journey.sign_in(world.users[CUSTODY])
    journey.go(reverse("drug_testing:create"))
    born = (now - timedelta(days=35 * 365)).date()
    fill_drug_test(page, record_number="LL/04211/26", born=born, now=now)
    journey.click("button:has-text('Record the test')")
    if "/new" in page.url:  # possible matches: the officer confirms this is someone new
        page.check("input[name=confirmed_new]")
        journey.click("button:has-text('Record the test')")
    test = DrugTest.objects.get(custody_record_number="LL/04211/26")
    assert "Positive" in journey.text() or "positive" in journey.text()

    appointment = timezone.localtime(now + timedelta(days=2)).replace(hour=10, minute=30)

    def impose() -> None:
        fill_required_assessment(page, service_id=service.pk, appointment=appointment)
        journey.click("button:has-text('Impose and make the RA1 notice')")

    impose()  # the person is new: Pont says which contact details are missing
    assert page.locator("#contact-details-missing").count() == 1
    add_details = page.get_attribute("#contact-details-missing a", "href")
    for kind, values, use in (
        ("phone", {"phone": "07812 345678"}, "mobile"),
        (
            "address",
            {"address_line_1": "12 Heol y Dŵr", "town": "Llanelli", "postcode": "SA15 1AB"},
            "release",
        ),
    ):
        journey.go(add_details)
        page.check(f"input[name=kind][value={kind}]")
        journey.click("main form button[type=submit]")
        for name, value in values.items():
            page.fill(f"input[name={name}]", value)
        page.check(f"input[name=use][value={use}]")
        journey.click("main form button[type=submit]")
    journey.go(reverse("drug_testing:test_detail", args=[test.pk]))
    impose()
    notice = Notice.objects.get(assessment__test=test, kind="RA1")
    link = page.locator(f"a[href='{reverse('drug_testing:notice_pdf', args=[notice.pk])}']")
    assert link.count() >= 1
    pdf = page.request.get(f"{journey.base}{reverse('drug_testing:notice_pdf', args=[notice.pk])}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


def test_the_officer_issues_a_disposal_with_the_keyboard_alone(journey, world):
    """No mouse: Tab to each control, Enter to follow or submit, Space to tick."""
    disposal = authorised(world, conditional_caution(world))
    journey.sign_in(world.users[FRONTLINE], keyboard=True)
    journey.go(reverse("disposals:list"))
    journey.tab_to(f"a[href='{reverse('disposals:detail', args=[disposal.pk])}']")
    journey.press("Enter")
    journey.tab_to(f"a[href='{reverse('disposals:issue', args=[disposal.pk])}']")
    journey.press("Enter")
    journey.tab_to("input[name=agreement_confirmed]")
    journey.page.keyboard.press("Space")
    journey.tab_to("main form button[type=submit]")
    journey.press("Enter")
    assert "The disposal is issued." in journey.text()
    assert Disposal.objects.get(pk=disposal.pk).status == Disposal.Status.ISSUED


def test_a_provider_manager_reads_the_api_reference(journey, world):
    from pont.testing.personas import PROV_A_MGR

    journey.sign_in(world.users[PROV_A_MGR])
    journey.go("/api/v1/docs")
    text = journey.text()
    assert "PATCH /api/v1/referrals/{referral_id}" in text
    assert "Change a referral's status (needs If-Match)" in text
    journey.click("a[href='#pont_referrals_api_record_contact_attempt']")  # from the contents
    journey.click("a[href='#shape-ContactAttemptIn'] >> nth=0")  # the body's shape
    journey.page.click("summary:has-text('Example of ContactAttemptIn')")
    journey.check()  # with the example open
    assert '"result": "no_answer"' in journey.text()


def test_a_provider_manager_lets_a_service_take_referrals(journey, world):
    from pont.directory import services as directory
    from pont.directory.models import Service
    from pont.testing.personas import PROV_A_MGR
    from pont.testing.referrals import provider_directory

    service = directory.service_create(
        actor=None, organization=provider_directory(world), name="Llanelli drug service"
    )
    page = journey.page
    journey.sign_in(world.users[PROV_A_MGR])
    journey.click("a:has-text('Your services')")
    journey.click(f"a[href='{reverse('directory:settings_service', args=[service.pk])}']")
    page.get_by_label("Yes").check()
    page.get_by_label("Email address for notices").fill("not an address")
    journey.click("button:has-text('Save settings')")
    assert "There is a problem" in journey.text()
    journey.click(".govuk-error-summary a")  # the summary's link moves to the field
    page.get_by_label("Email address for notices").fill("referrals@provider-a.example")
    journey.click("button:has-text('Save settings')")
    assert "The referral settings have been saved." in journey.text()
    assert "referrals@provider-a.example" in journey.text()
    assert Service.objects.get(pk=service.pk).can_receive_referrals


def test_a_provider_manager_adds_a_service_and_says_where_it_is_delivered(journey, world):
    from pont.directory.models import Service
    from pont.testing.personas import PROV_A_MGR
    from pont.testing.referrals import provider_directory

    provider_directory(world)
    page = journey.page
    journey.sign_in(world.users[PROV_A_MGR])
    journey.click("a:has-text('Your services')")
    journey.click("a:has-text('Add a service')")
    page.get_by_label("Name", exact=True).fill("Carmarthen young people's service")
    page.get_by_label("Open", exact=True).check()
    page.get_by_label("Young people").check()
    journey.click("button:has-text('Add the service')")
    assert "has been added to the directory" in journey.text()
    service = Service.objects.get(name="Carmarthen young people's service")
    journey.click(f"a[href='{reverse('directory:places_service', args=[service.pk])}']")
    page.get_by_label("Address line 1").fill("12 King Street")
    page.get_by_label("Town or city").fill("Carmarthen")
    page.get_by_label("Postcode").fill("SA31 1KC")  # no postcode ends in K or C
    journey.click("button:has-text('Save places')")
    assert "Place 1: Enter a real postcode" in journey.text()
    journey.click(".govuk-error-summary a")  # the summary's link moves to the field
    page.get_by_label("Postcode").fill("sa31 1bs")
    page.get_by_label("Phone number 1 (optional)").fill("01267 234567")
    page.get_by_label("What phone number 1 is for (optional)").fill("Drop-in desk")
    journey.click("button:has-text('Save places')")
    assert "The places the service is delivered at have been saved." in journey.text()
    journey.go(reverse("directory:service", args=[service.pk]))
    text = journey.text()
    assert "12 King Street Carmarthen SA31 1BS" in text
    assert "01267 234567 (Drop-in desk)" in text


def test_an_officer_gives_more_time_and_the_service_reads_the_new_deadline(journey, world):
    """The breach decided through its form (the error summary first), the new notice listed
    beside the first, and the provider's timeline showing the changed reason."""
    from datetime import timedelta

    from django.utils import timezone

    from pont.testing.disposals import condition_referral, failed_condition, issued

    disposal = failed_condition(world, issued(world, conditional_caution(world)), "drug_assessment")
    referral = condition_referral(disposal)
    page = journey.page
    journey.sign_in(world.users[FRONTLINE])
    journey.go(reverse("disposals:detail", args=[disposal.pk]))
    journey.click("a:has-text('Decide on the breach')")
    page.get_by_label("Give more time").check()
    page.get_by_label("Reason").fill("In hospital on the day; agreed a new date")
    journey.click("button:has-text('Record the decision')")  # without the new deadline
    assert "Give a new deadline after today." in journey.text()
    new_deadline = timezone.localdate() + timedelta(days=30)
    fill_day(page, "new_deadline", new_deadline)
    journey.click("button:has-text('Record the decision')")
    text = journey.text()
    assert "More time is given. Give the person the new notice" in text
    assert "At issue," in text
    assert "With more time," in text
    assert "the one that counts now" in text
    assert Disposal.objects.get(pk=disposal.pk).status == Disposal.Status.ISSUED

    journey.sign_in(world.users[PROV_A])
    journey.go(referral.get_absolute_url())
    text = journey.text()
    assert f"by {new_deadline:%d/%m/%Y}." in text
    assert "Reason changed by the referrer" in text
    assert "It said before:" in text


def test_an_officer_gives_more_time_and_sends_a_rejected_condition_elsewhere(journey, world):
    """The service rejected the condition's referral and the deadline passed: the breach form
    asks where to send it (its error summary first when unanswered), and the other provider
    reads the new referral with the new deadline."""
    from datetime import timedelta

    from django.utils import timezone

    from pont.disposals import services
    from pont.testing.disposals import drug_service, issued, reject_condition_referral
    from pont.testing.personas import PROV_B

    disposal = issued(world, conditional_caution(world))
    reject_condition_referral(world, disposal)
    condition = disposal.conditions.get()
    services.condition_record(
        actor=world.users[FRONTLINE],
        condition_id=condition.pk,
        outcome="failed",
        note="No service took it on by the deadline",
        expected_version=condition.version,
    )
    other = drug_service(world, "b")
    page = journey.page
    journey.sign_in(world.users[FRONTLINE])
    journey.go(reverse("disposals:detail", args=[disposal.pk]))
    journey.click("a:has-text('Decide on the breach')")
    page.get_by_label("Give more time").check()
    page.get_by_label("Reason").fill("The first service was full")
    new_deadline = timezone.localdate() + timedelta(days=30)
    fill_day(page, "new_deadline", new_deadline)
    journey.click("button:has-text('Record the decision')")  # without the service
    summary = page.locator(".govuk-error-summary")
    kind = condition.condition_type.label
    assert f"Select which service should do ‘{kind}’" in summary.inner_text()
    page.locator(f"#id_service_{condition.pk}").select_option(str(other.pk))
    journey.click("button:has-text('Record the decision')")
    assert "More time is given. Give the person the new notice" in journey.text()
    condition.refresh_from_db()
    assert condition.service_id == other.pk

    journey.sign_in(world.users[PROV_B])
    journey.go(condition.referral.get_absolute_url())
    assert f"by {new_deadline:%d/%m/%Y}." in journey.text()
