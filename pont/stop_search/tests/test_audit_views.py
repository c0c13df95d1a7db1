"""The monthly audit in the browser's shoes: the draw, both inspectors' reviews with every missing
answer named, who may see what (the independent inspector never sees a name), the officer's own
feedback, and the dashboard's figures, agreement and Cohen's kappa included."""

import csv
import io
from fractions import Fraction

import pytest
from django.utils import formats
from django.utils.html import escape

from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.stop_search import services
from pont.stop_search.agreement import cohen_kappa, cross_table
from pont.stop_search.models import AuditSample, SampledSearch, SearchReview
from pont.testing.http import post_form
from pont.testing.personas import FRONTLINE, INDEPENDENT, INSPECTOR, OPCC, OPSLEAD, sign_in
from pont.testing.referrals import reachable_person
from pont.testing.stop_search import (
    drawn_sample,
    officer,
    other_force,
    previous_month,
    review_values,
    reviewed,
    search_audit_reference,
    searched_in,
    stop_search_reference,
)

LIST = "/stop-search/audit"
FEEDBACK = "/stop-search/audit/feedback"
DASHBOARD = "/stop-search/audit/dashboard"
LOCAL, INDEPENDENT_KIND = SearchReview.Kind.LOCAL, SearchReview.Kind.INDEPENDENT


@pytest.fixture
def codes(db) -> dict[str, str]:
    search_audit_reference()
    return stop_search_reference()


def sample_page(sample: AuditSample) -> str:
    return f"/stop-search/audit/{sample.pk}"


def review_page(sampled: SampledSearch) -> str:
    return f"/stop-search/audit/searches/{sampled.pk}"


def review_form(sampled: SampledSearch, kind: str, **overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        "version": str(sampled.reviews.get(kind=kind).version),
        "grounds_reasonable": "partly",
        "grounds_recorded_sufficiently": "no",
        "body_worn_video": "yes",
        "conduct": "Calm and courteous; did not say which power was used.",
        "rating": "amber",
        "feedback": "Record what you saw that made you suspect the package held drugs.",
        "themes": ["grounds_quality", "information_given"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def sampled(world, codes) -> SampledSearch:
    """Last month's sample of one search: the front-line officer's, of Gethin Parry."""
    person = reachable_person(world, given_name="Gethin")
    searched_in(world, previous_month(), person=person, place="Stepney Street, Llanelli")
    return drawn_sample(world).sampled.get()


# The samples and the draw ---------------------------------------------------------------


def test_the_inspector_draws_last_months_sample_from_the_list(world, codes, as_persona):
    month = previous_month()
    for day in range(1, 9):
        searched_in(world, month, day=day)
    client = as_persona(INSPECTOR)
    page = client.get(LIST).content.decode()
    assert f'value="{month:%Y-%m}"' in page  # last month, ready to draw
    response = post_form(client, LIST, {"month": f"{month:%Y-%m}"})
    sample = AuditSample.objects.get()
    assert response.status_code == 302
    assert response["Location"] == sample_page(sample)
    assert sample.drawn_by == world.users[INSPECTOR]
    shown = client.get(sample_page(sample)).content.decode()
    assert "2 of the 8 searches of the month (the share is 25%)" in shown
    assert "Drawing again with this seed picks the same searches." in shown
    assert sample.seed in shown
    assert formats.date_format(month, "YEAR_MONTH_FORMAT") in client.get(LIST).content.decode()


def test_a_second_draw_of_a_month_is_refused_on_the_month_field(world, codes, as_persona):
    month = previous_month()
    searched_in(world, month)
    drawn_sample(world)
    response = post_form(as_persona(INSPECTOR), LIST, {"month": f"{month:%Y-%m}"})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'href="#id_month"' in page  # the error summary points at the field
    assert (
        f"The sample for {formats.date_format(month, 'YEAR_MONTH_FORMAT')} has already been drawn"
        in page
    )
    assert AuditSample.objects.count() == 1


def test_a_month_typed_wrongly_is_named(world, codes, as_persona):
    response = post_form(as_persona(INSPECTOR), LIST, {"month": "Sept"})
    assert response.status_code == 400
    assert "Enter the month like 2026-11" in response.content.decode()


def test_the_independent_inspector_sees_the_samples_but_does_not_draw(world, sampled, as_persona):
    client = as_persona(INDEPENDENT)
    page = client.get(LIST).content.decode()
    assert sample_page(sampled.sample) in page
    assert 'name="month"' not in page
    assert post_form(client, LIST, {"month": f"{previous_month():%Y-%m}"}).status_code == 403


def test_a_sample_of_another_force_is_not_found(world, sampled, as_persona, client):
    _gwent, newport = other_force()
    gwent_inspector = officer(world, "gwent", role=Role.INSPECTOR, organisation=newport)
    sign_in(client, gwent_inspector)
    assert client.get(sample_page(sampled.sample)).status_code == 404
    assert client.get(review_page(sampled)).status_code == 404
    assert client.get("/stop-search/audit/999999").status_code == 404
    assert sample_page(sampled.sample) not in client.get(LIST).content.decode()


def test_the_independent_inspector_sees_only_the_forces_their_office_oversees(
    world, sampled, as_persona, settings
):
    """PONT_COMMISSIONER_FORCES: an office it does not list oversees no force; the samples of
    a force the office does not oversee are answered like ones that do not exist."""
    client = as_persona(INDEPENDENT)
    settings.PONT_COMMISSIONER_FORCES = {"opcc": [world.force.slug]}
    assert client.get(review_page(sampled)).status_code == 200
    settings.PONT_COMMISSIONER_FORCES = {"gwent-opcc": ["gwent"]}
    assert client.get(sample_page(sampled.sample)).status_code == 404
    assert client.get(review_page(sampled)).status_code == 404
    assert sample_page(sampled.sample) not in client.get(LIST).content.decode()


# Reviews ----------------------------------------------------------------------------------


def test_both_inspectors_review_and_each_sees_the_other_only_after_their_own(
    world, sampled, as_persona
):
    local, independent = as_persona(INSPECTOR), as_persona(INDEPENDENT)
    before = AuditEvent.objects.order_by("-sequence").first().sequence

    response = post_form(local, review_page(sampled), review_form(sampled, LOCAL))

    assert response.status_code == 302
    assert response["Location"] == f"{sample_page(sampled.sample)}#sampled-{sampled.pk}"
    review = sampled.reviews.get(kind=LOCAL)
    assert (review.reviewer, review.rating, review.grounds_reasonable, review.version) == (
        world.users[INSPECTOR],
        "amber",
        "partly",
        2,
    )
    assert review.grounds_recorded_sufficiently is False
    assert set(review.themes.values_list("code", flat=True)) == {
        "grounds_quality",
        "information_given",
    }
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.operation, event.object_type, event.subject_person_id) == (
        "collection",
        "stop_search.searchreview",
        sampled.search.person_id,
    )
    assert event.detail["rating"] == "amber"

    # The independent inspector knows it is recorded, not what it says.
    page = independent.get(review_page(sampled)).content.decode()
    assert "You will see it once you have recorded your own review" in page
    assert "did not say which power was used" not in page
    response = post_form(
        independent,
        review_page(sampled),
        review_form(
            sampled,
            INDEPENDENT_KIND,
            rating="green",
            grounds_reasonable="yes",
            feedback="",
            conduct="Explained everything clearly.",
        ),
    )
    assert response.status_code == 302
    assert sampled.reviews.get(kind=INDEPENDENT_KIND).rating == "green"
    page = independent.get(review_page(sampled)).content.decode()
    assert "did not say which power was used" in page  # now it is shown
    assert "Inspector Tester" not in page  # the local inspector is not named to them
    page = local.get(sample_page(sampled.sample)).content.decode()
    assert page.count("govuk-tag--orange") == 1
    assert page.count("govuk-tag--green") == 1


def test_an_incomplete_review_names_every_missing_answer(world, sampled, as_persona):
    client = as_persona(INSPECTOR)
    version = sampled.reviews.get(kind=LOCAL).version
    response = post_form(client, review_page(sampled), {"version": str(version)})
    assert response.status_code == 400
    page = response.content.decode()
    for anchor, message in (
        ("id_grounds_reasonable_0", services.SAY_GROUNDS_REASONABLE),
        ("id_grounds_recorded_sufficiently_0", services.SAY_GROUNDS_RECORDED),
        ("id_body_worn_video_0", services.SAY_BODY_WORN_VIDEO_REVIEWED),
        ("id_conduct", services.ENTER_CONDUCT),
        ("id_rating_0", services.SELECT_RATING),
    ):
        assert f'<a href="#{anchor}">{escape(message)}</a>' in page
    assert sampled.reviews.get(kind=LOCAL).reviewed_at is None


@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"rating": "red", "feedback": " "}, "id_feedback", services.ENTER_FEEDBACK),
        (
            {"rating": "green", "grounds_reasonable": "no"},
            "id_rating_0",
            services.NOT_GREEN_WITHOUT_GROUNDS,
        ),
        ({"themes": ["no_such_theme"]}, "id_themes_0", "Select the learning themes from the list."),
    ],
)
def test_a_review_that_does_not_hold_together_is_refused_naming_the_field(
    world, sampled, as_persona, overrides, anchor, message
):
    response = post_form(
        as_persona(INSPECTOR), review_page(sampled), review_form(sampled, LOCAL, **overrides)
    )
    assert response.status_code == 400
    assert f'<a href="#{anchor}">{escape(message)}</a>' in response.content.decode()
    assert sampled.reviews.get(kind=LOCAL).reviewed_at is None


def test_a_review_is_recorded_once_and_a_stale_one_is_refused(world, sampled, as_persona, client):
    form = review_form(sampled, LOCAL)
    assert post_form(as_persona(INSPECTOR), review_page(sampled), form).status_code == 302
    # A second local inspector, on a page opened before: the review is already recorded.
    sign_in(client, officer(world, "rhian", role=Role.INSPECTOR))
    response = post_form(client, review_page(sampled), {**form, "rating": "red"})
    assert response.status_code == 302
    assert response["Location"] == review_page(sampled)
    assert "recorded on" in client.get(review_page(sampled)).content.decode()
    review = sampled.reviews.get(kind=LOCAL)
    assert (review.reviewer, review.rating, review.version) == (world.users[INSPECTOR], "amber", 2)
    # The service refuses a version that is not the one on the page, before anything else.
    independent = sampled.reviews.get(kind=INDEPENDENT_KIND)
    with pytest.raises(services.ConflictError):
        services.search_review_record(
            actor=world.users[INDEPENDENT],
            sampled_id=sampled.pk,
            kind=INDEPENDENT_KIND,
            expected_version=independent.version + 1,
            **review_values(),
        )


def test_a_reviewer_records_only_their_own_kind_of_review(world, sampled):
    with pytest.raises(services.ApplicationError) as refused:
        reviewed(sampled, actor=world.users[INDEPENDENT], kind=LOCAL)
    assert refused.value.status == 403
    with pytest.raises(services.ApplicationError) as refused:
        reviewed(sampled, actor=world.users[INSPECTOR], kind=INDEPENDENT_KIND)
    assert refused.value.status == 403


def test_an_inspector_does_not_review_their_own_search(world, codes, as_persona):
    searched_in(world, previous_month(), actor=world.users[INSPECTOR])
    sampled = drawn_sample(world).sampled.get()
    client = as_persona(INSPECTOR)
    page = client.get(review_page(sampled)).content.decode()
    assert str(services.OWN_SEARCH) in page
    assert 'name="rating"' not in page
    response = post_form(client, review_page(sampled), review_form(sampled, LOCAL))
    assert response.status_code == 403
    assert sampled.reviews.get(kind=LOCAL).reviewed_at is None


def test_the_independent_inspector_sees_neither_the_person_nor_the_officer(
    world, sampled, as_persona
):
    person = sampled.search.person
    for path in (review_page(sampled), sample_page(sampled.sample)):
        page = as_persona(INDEPENDENT).get(path).content.decode()
        assert "Gethin" not in page
        assert "Parry" not in page
        assert person.get_absolute_url() not in page
        assert f"/stop-search/{sampled.search.pk}" not in page  # no way to the full record
        assert "Frontline Tester" not in page
    page = as_persona(INDEPENDENT).get(review_page(sampled)).content.decode()
    assert "Stepney Street, Llanelli" in page  # what the review needs is there
    # The force's inspector: the officer, and the way to the full record; no name here either.
    page = as_persona(INSPECTOR).get(review_page(sampled)).content.decode()
    assert "Frontline Tester" in page
    assert f"/stop-search/{sampled.search.pk}" in page
    assert "Gethin" not in page


def test_opening_a_sampled_search_is_recorded_as_a_consultation(world, sampled, as_persona):
    before = AuditEvent.objects.order_by("-sequence").first().sequence
    as_persona(INDEPENDENT).get(review_page(sampled))
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.operation, event.actor_id, event.subject_person_id) == (
        "consultation",
        world.users[INDEPENDENT].pk,
        sampled.search.person_id,
    )


# The officer's feedback -------------------------------------------------------------------


def test_an_officer_sees_the_feedback_on_their_own_searches_only(world, codes, as_persona):
    gwen = officer(world, "gwen")
    month = previous_month()
    searched_in(world, month, day=2, removal_more_than_outer_clothing=True)
    searched_in(world, month, day=3, actor=gwen, removal_more_than_outer_clothing=True)
    sample = drawn_sample(world)
    mine = sample.sampled.get(search__officer=world.users[FRONTLINE])
    theirs = sample.sampled.get(search__officer=gwen)
    reviewed(
        mine,
        actor=world.users[INSPECTOR],
        kind=LOCAL,
        rating="amber",
        feedback="Say which power you used before you start.",
        themes=["information_given"],
    )
    reviewed(theirs, actor=world.users[INSPECTOR], kind=LOCAL, rating="red", feedback="Gwen only")
    page = as_persona(FRONTLINE).get(FEEDBACK).content.decode()
    assert "Say which power you used before you start." in page
    assert "Information given to the person (GOWISELY)" in page
    assert "Gwen only" not in page
    assert f"/stop-search/{mine.search_id}" in page
    assert f"/stop-search/{theirs.search_id}" not in page
    # Not yet reviewed by the independent inspector: nothing from them yet.
    assert "Independent inspector" not in page
    assert "feedback" in as_persona(FRONTLINE).get("/stop-search/").content.decode().lower()


# The dashboard ----------------------------------------------------------------------------


def test_cohen_kappa_on_a_hand_worked_example():
    # 50 items: both yes 20, yes/no 5, no/yes 10, both no 15. po = 35/50 = 0.7;
    # A says yes 25/50, B 30/50: pe = 0.5 x 0.6 + 0.5 x 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
    pairs += [("no", "no")] * 15
    agreement = cohen_kappa(pairs)
    assert (agreement.n, agreement.agreed) == (50, 35)
    assert (agreement.observed, agreement.expected, agreement.kappa) == (
        Fraction(7, 10),
        Fraction(1, 2),
        Fraction(2, 5),
    )
    assert cross_table(pairs, ["yes", "no"]) == [("yes", [20, 5], 25), ("no", [10, 15], 25)]


def test_cohen_kappa_at_the_edges():
    assert cohen_kappa([]).kappa is None
    assert cohen_kappa([("green", "green")] * 4).kappa is None  # chance agreement is certain
    assert cohen_kappa([("red", "red"), ("green", "green")]).kappa == 1
    assert cohen_kappa([("red", "green"), ("green", "red")]).kappa == -1


# Four searches reviewed by both inspectors (local, independent):
#   grounds: yes/yes, yes/yes, partly/no, no/no -> po 3/4; local yes 2 partly 1 no 1,
#            independent yes 2 no 2 -> pe (2x2 + 1x0 + 1x2) / 16 = 3/8;
#            kappa (3/4 - 3/8) / (5/8) = 0.60
#   rating:  green/green, green/amber, amber/amber, red/red -> po 3/4; local green 2 amber 1 red 1,
#            independent green 1 amber 2 red 1 -> pe (2 + 2 + 1) / 16 = 5/16;
#            kappa (3/4 - 5/16) / (11/16) = 7/11 = 0.64
PAIRS = [
    (("yes", "green"), ("yes", "green")),
    (("yes", "green"), ("yes", "amber")),
    (("partly", "amber"), ("no", "amber")),
    (("no", "red"), ("no", "red")),
]


@pytest.fixture
def reviewed_sample(world, codes) -> AuditSample:
    for day in range(1, 17):  # 16 searches: a sample of 4
        searched_in(world, previous_month(), day=day)
    sample = drawn_sample(world)
    for sampled, (local, independent) in zip(sample.sampled.order_by("pk"), PAIRS, strict=True):
        for kind, actor, (grounds, rating) in (
            (LOCAL, world.users[INSPECTOR], local),
            (INDEPENDENT_KIND, world.users[INDEPENDENT], independent),
        ):
            reviewed(
                sampled,
                actor=actor,
                kind=kind,
                grounds_reasonable=grounds,
                rating=rating,
                feedback="" if rating == "green" else "Record more of what you saw.",
                themes=["grounds_quality"] if rating != "green" else ["good_practice"],
            )
    return sample


def _row(page: str, row_id: str) -> str:
    start = page.index(f'id="{row_id}"')
    return page[start : page.index("</tr>", start)]


def test_the_dashboard_shows_coverage_agreement_ratings_and_themes(
    world, reviewed_sample, as_persona
):
    response = as_persona(OPSLEAD).get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    month = previous_month()
    coverage = _row(page, f"coverage-{month:%Y-%m}")
    for cell in (">16<", ">4<", ">25%<", ">4 (100%)<"):
        assert cell in coverage
    grounds = _row(page, "agreement-grounds")
    assert ">75%<" in grounds
    assert ">0.60<" in grounds
    rating = _row(page, "agreement-rating")
    assert ">75%<" in rating
    assert ">0.64<" in rating
    # Eight reviews in Carmarthenshire: red 2, amber 3, green 3; red or amber 5 of 8.
    area = _row(page, f"by-area-{world.carmarthenshire.pk}")
    cells = [cell.split("<")[0] for cell in area.split('numeric">')[1:]]
    assert cells == ["2", "3", "3", "8", "63%"]
    officer_row = _row(page, f"by-officer-{world.users[FRONTLINE].pk}")
    assert "Frontline Tester" in officer_row
    themes = _row(page, "theme-grounds_quality")
    assert themes.count(">5<") == 2  # five reviews in the month, five in all
    for chart in ("coverage", "agreement", "by-area", "by-officer", "themes"):
        assert f'class="pont-chart" id="chart-{chart}"' in page  # each chart with its table


def test_the_commissioners_office_sees_the_figures_with_no_officer_named(
    world, reviewed_sample, as_persona
):
    page = as_persona(OPCC).get(DASHBOARD).content.decode()
    assert "Frontline Tester" not in page
    assert "Officer 1" in _row(page, "by-officer-officer-1")
    assert ">0.64<" in _row(page, "agreement-rating")


def _csv(response) -> dict[str, tuple[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pont-search-audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure", "value", "label"]
    figures = {measure: (value, label) for measure, value, label in rows[1:]}
    assert len(figures) == len(rows) - 1  # each measure once
    return figures


def test_the_dashboard_csv_holds_the_pages_figures_and_its_export_is_recorded(
    world, reviewed_sample, as_persona
):
    month = f"{previous_month():%Y-%m}"
    page = as_persona(OPSLEAD).get(DASHBOARD, {"start": month}).content.decode()
    assert f'href="/stop-search/audit/dashboard.csv?start={month}"' in page
    before = AuditEvent.objects.count()
    figures = _csv(as_persona(OPSLEAD).get(f"{DASHBOARD}.csv", {"start": month}))
    assert figures["filter:start"][0] == month
    assert figures["officers_named"][0] == "yes"
    # The same figures as the page's tables (test_the_dashboard_shows_...).
    assert figures[f"coverage:{month}:searches"][0] == "16"
    assert figures[f"coverage:{month}:sampled"][0] == "4"
    assert figures[f"coverage:{month}:sampled:share"][0] == "0.25"
    assert figures["coverage:all:reviewed_independent:share"][0] == "1.00"
    assert figures["agreement:grounds:share"][0] == "0.75"
    assert figures["agreement:grounds:kappa"][0] == "0.60"
    assert figures["agreement:rating:kappa"][0] == "0.64"
    # The cross table: green/amber once (the second pair), amber/green never.
    assert figures["agreement:rating:local:green:independent:amber"][0] == "1"
    assert figures["agreement:rating:local:amber:independent:green"][0] == "0"
    area = f"ratings_by_area:{world.carmarthenshire.pk}"
    assert [figures[f"{area}:{c}"][0] for c in ("red", "amber", "green")] == ["2", "3", "3"]
    assert figures[f"{area}:red_or_amber:share"][0] == "0.63"  # 5 of 8, as the page's 63%
    officer_rating = f"ratings_by_officer:{world.users[FRONTLINE].pk}:red"
    assert figures[officer_rating][1] == "Frontline Tester"
    assert figures[f"theme:grounds_quality:{month}"][0] == "5"
    assert figures["theme:grounds_quality:all"][0] == "5"
    # The file leaves Pont with named officers' ratings in it: its export is recorded.
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.operation, event.object_type, event.actor_id) == (
        "consultation",
        "stop_search.audit_dashboard",
        world.users[OPSLEAD].pk,
    )
    assert event.detail == {"export": "csv", "start": month, "end": "", "officers_named": True}


def test_the_dashboard_csv_names_no_officer_to_the_commissioners_office_and_is_refused_to_others(
    world, reviewed_sample, as_persona, client
):
    figures = _csv(as_persona(OPCC).get(f"{DASHBOARD}.csv"))
    assert figures["officers_named"][0] == "no"
    assert figures["ratings_by_officer:officer-1:red"][1] == "Officer 1"
    assert not any("Frontline Tester" in label for _value, label in figures.values())
    assert not any(str(world.users[FRONTLINE].pk) in m.split(":")[1:2] for m in figures)
    # Without the capability: 403, and nothing recorded.
    before = AuditEvent.objects.count()
    assert as_persona(FRONTLINE).get(f"{DASHBOARD}.csv").status_code == 403
    assert AuditEvent.objects.count() == before
    # Another force's inspector: none of this force's samples are counted.
    _gwent, newport = other_force()
    sign_in(client, officer(world, "gwent", role=Role.INSPECTOR, organisation=newport))
    other = _csv(client.get(f"{DASHBOARD}.csv"))
    assert other["coverage:all:searches"][0] == "0"
    # Nothing to share or to agree on: empty, as the page's "–".
    assert other["coverage:all:sampled:share"][0] == ""
    assert other["agreement:rating:kappa"][0] == ""
    # A period that is not valid: the page, with the error named at its field (400).
    refused = as_persona(INSPECTOR).get(f"{DASHBOARD}.csv", {"start": "March"})
    assert refused.status_code == 400
    assert "Enter the month like 2026-11" in refused.content.decode()


def test_the_dashboard_counts_only_the_forces_own_samples_and_the_months_chosen(
    world, reviewed_sample, as_persona
):
    month = previous_month()
    page = as_persona(INSPECTOR).get(DASHBOARD, {"start": f"{month:%Y-%m}"}).content.decode()
    assert f'id="coverage-{month:%Y-%m}"' in page
    page = (
        as_persona(INSPECTOR)
        .get(DASHBOARD, {"end": f"{previous_month(month):%Y-%m}"})
        .content.decode()
    )
    assert "No sample has been drawn in this period." in page
    response = as_persona(INSPECTOR).get(
        DASHBOARD, {"start": f"{month:%Y-%m}", "end": f"{previous_month(month):%Y-%m}"}
    )
    assert response.status_code == 400
    assert "The end of the period must be the same as or after its start." in (
        response.content.decode()
    )
