"""The monthly audit sample: the share, strata by officer and area, every search with removal of
more than outer clothing, a draw repeated from its seed, one draw per force-month, the job."""

import io
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import formats, timezone

from pont.accounts import services as accounts
from pont.accounts.models import Organisation
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError
from pont.core.reference import load_reference_rows
from pont.stop_search import sampling, selectors, services
from pont.stop_search.audit_tasks import draw_search_samples
from pont.stop_search.models import AuditSample, SampledSearch, SearchAuditRule, SearchReview
from pont.testing.personas import FRONTLINE, INDEPENDENT, INSPECTOR
from pont.testing.stop_search import (
    drawn_sample,
    officer,
    other_force,
    previous_month,
    search_audit_reference,
    searched_in,
    stop_search_reference,
)

from .test_policeuk import DATA, NAME

SEPTEMBER_2019 = date(2019, 9, 1)


@pytest.fixture
def codes(db) -> dict[str, str]:
    search_audit_reference()
    return stop_search_reference()


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def strata_of(sample: AuditSample) -> Counter[tuple[int | None, int | None]]:
    return Counter(sample.sampled.values_list("search__officer_id", "search__area_id"))


def month_shown(month: date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


# The draw itself: pure functions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("population", "percent", "size"),
    [(0, 25, 0), (1, 25, 1), (4, 25, 1), (10, 25, 3), (16, 25, 4), (17, 25, 5), (100, 25, 25)],
)
def test_the_sample_is_the_share_of_the_searches_rounded_up(population, percent, size):
    assert sampling.sample_size(population, percent) == size


def test_each_stratum_gets_its_proportional_part():
    sizes = {("a", ""): 60, ("b", ""): 30, ("c", ""): 10}
    assert sampling.allocate(sizes, {}, 10, list(sizes)) == {
        ("a", ""): 6,
        ("b", ""): 3,
        ("c", ""): 1,
    }


def test_every_stratum_gets_one_search_where_the_sample_is_big_enough():
    sizes = {("a", ""): 97, ("b", ""): 1, ("c", ""): 1, ("d", ""): 1}
    # Proportionally b, c and d would get a quarter of a search each: none.
    assert sampling.allocate(sizes, {}, 25, list(sizes)) == {
        ("a", ""): 22,
        ("b", ""): 1,
        ("c", ""): 1,
        ("d", ""): 1,
    }


def test_with_more_strata_than_searches_to_draw_the_largest_strata_get_one():
    sizes = {("a", ""): 5, ("b", ""): 4, ("c", ""): 3, ("d", ""): 2, ("e", ""): 1}
    allocation = sampling.allocate(sizes, {}, 3, list(reversed(sizes)))
    assert allocation == {("a", ""): 1, ("b", ""): 1, ("c", ""): 1, ("d", ""): 0, ("e", ""): 0}


def _units(count: int, *, mandatory: int = 0, officers: int = 1) -> list[sampling.Unit]:
    return [
        sampling.Unit(
            id=f"s{n:03}", officer=f"o{n % officers}", area="carms", mandatory=n < mandatory
        )
        for n in range(count)
    ]


def test_searches_beyond_outer_clothing_are_always_drawn_and_count_towards_the_share():
    units = _units(20, mandatory=2)
    drawn = sampling.draw(units, percent=25, seed="seed")
    assert drawn.mandatory == {"s000", "s001"}
    assert len(drawn.random) == 3  # 5 in all: a quarter of 20
    assert not drawn.mandatory & drawn.random


def test_more_searches_beyond_outer_clothing_than_the_share_are_all_drawn_and_nothing_else():
    drawn = sampling.draw(_units(12, mandatory=5), percent=25, seed="seed")
    assert (len(drawn.mandatory), len(drawn.random)) == (5, 0)


def test_the_same_seed_and_searches_give_the_same_sample_whatever_their_order():
    units = _units(200, mandatory=7, officers=9)
    first = sampling.draw(units, percent=25, seed="4f1c")
    again = sampling.draw(list(reversed(units)), percent=25, seed="4f1c")
    assert first == again
    assert len(first.chosen) == 50
    others = {sampling.draw(units, percent=25, seed=f"other-{n}").chosen for n in range(5)}
    assert first.chosen not in others  # another seed draws another sample


# Drawing a month's sample ----------------------------------------------------------------


@pytest.fixture
def ceredigion(world) -> Organisation:
    return accounts.organisation_create(
        actor=None,
        name="Ceredigion",
        slug="ceredigion",
        kind=Organisation.Kind.AREA,
        parent=world.force,
    )


def test_a_month_is_drawn_by_officer_and_area_with_every_search_beyond_outer_clothing(
    world, codes, ceredigion
):
    month = previous_month()
    gwen = officer(world, "gwen")
    dai = officer(world, "dai", organisation=ceredigion)
    for day in range(1, 9):
        searched_in(world, month, day=day)  # the front-line officer, Carmarthenshire: 8
    for day in range(1, 5):
        searched_in(world, month, day=day, actor=gwen)  # Gwen, Carmarthenshire: 4 ...
    strip = searched_in(world, month, day=9, actor=gwen, removal_more_than_outer_clothing=True)
    for day in range(1, 5):
        searched_in(world, month, day=day, actor=dai, area_id=ceredigion.pk)  # Dai, Ceredigion: 4
    # Not of the month: the one before, and this month.
    searched_in(world, previous_month(month), day=20)
    searched_in(world, timezone.localdate().replace(day=1), day=1, at=timezone.localtime().time())
    before = last_sequence()

    sample = services.search_sample_draw(
        actor=world.users[INSPECTOR], controller=world.force, month=month.replace(day=17)
    )

    assert (sample.month, sample.population, sample.share_percent, sample.strata) == (
        month,
        17,
        25,
        3,
    )
    assert sample.drawn_by == world.users[INSPECTOR]
    assert len(sample.seed) == 32
    # 5 of 17 (a quarter, rounded up). Each stratum's part of 5: 8/17 -> 2.35, 5/17 -> 1.47,
    # 4/17 -> 1.18; one each first (Gwen's is her search beyond outer clothing), then the
    # two furthest below their part: the front-line officer's, then Gwen's.
    frontline = world.users[FRONTLINE]
    assert strata_of(sample) == {
        (frontline.pk, world.carmarthenshire.pk): 2,
        (gwen.pk, world.carmarthenshire.pk): 2,
        (dai.pk, ceredigion.pk): 1,
    }
    reasons = dict(sample.sampled.values_list("search_id", "reason"))
    assert reasons[strip.pk] == SampledSearch.Reason.STRIP_SEARCH
    assert Counter(reasons.values()) == {"random": 4, "strip_search": 1}
    # Each sampled search has both reviews, not yet recorded.
    reviews = SearchReview.objects.filter(sampled__sample=sample)
    assert Counter(reviews.values_list("kind", flat=True)) == {"local": 5, "independent": 5}
    assert not reviews.filter(reviewed_at__isnull=False).exists()
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.operation, event.object_type, event.object_id) == (
        "consultation",
        "stop_search.auditsample",
        str(sample.pk),
    )
    assert event.detail == {
        "month": month.isoformat(),
        "force": world.force.slug,
        "share_percent": 25,
        "searches": 17,
        "sampled": 5,
        "always_included": 1,
        "strata": 3,
    }


def import_september(world, settings):  # noqa: ANN001, ANN201
    settings.POLICEUK_FORCES = {"dyfed-powys": world.force.slug}
    return services.policeuk_import(
        actor=None, file_name=NAME, stream=io.BytesIO((DATA / NAME).read_bytes())
    )


def test_published_police_uk_searches_are_not_drawn_only_those_recorded_in_pont(
    world, codes, settings
):
    """A published search has no grounds, officer or video to review (ADR 0005): the month's
    sample is drawn from the searches recorded in Pont, however many were imported."""
    import_september(world, settings)
    recorded = {searched_in(world, SEPTEMBER_2019, day=day).pk for day in (2, 3, 4)}

    sample = drawn_sample(world, SEPTEMBER_2019)

    assert (sample.population, sample.strata) == (3, 1)
    assert set(sample.sampled.values_list("search_id", flat=True)) <= recorded
    assert sample.sampled.count() == 1  # 25% of 3, rounded up


def test_a_sampled_month_of_police_uk_can_be_imported_again_and_the_sample_is_untouched(
    world, codes, settings
):
    import_september(world, settings)
    searched_in(world, SEPTEMBER_2019, day=2)
    sample = drawn_sample(world, SEPTEMBER_2019)
    drawn = set(sample.sampled.values_list("search_id", flat=True))

    again = import_september(world, settings)

    assert (again.rows, again.replaced) == (205, 205)
    assert set(AuditSample.objects.get().sampled.values_list("search_id", flat=True)) == drawn


def test_the_draw_is_repeated_from_its_seed_and_picks_the_same_searches(world, codes):
    month = previous_month()
    for day in range(1, 21):
        searched_in(world, month, day=day, removal_more_than_outer_clothing=day == 7)
    sample = drawn_sample(world)
    stored = {str(pk) for pk in sample.sampled.values_list("search_id", flat=True)}
    units = selectors.sample_units(controller_id=world.force.pk, month=month, until=sample.drawn_at)
    assert sampling.draw(units, percent=25, seed=sample.seed).chosen == stored
    assert sampling.fingerprint(units) == sample.population_sha256
    assert selectors.search_sample_redraw_check(sample=sample) == selectors.RedrawCheck(
        population_unchanged=True, same_searches=True
    )
    # A search of the month recorded after the draw is not one it was drawn from.
    searched_in(world, month, day=25)
    assert selectors.search_sample_redraw_check(sample=sample).same_searches
    # A sample that lost a search no longer matches its seed.
    sample.sampled.filter(reason=SampledSearch.Reason.RANDOM).first().delete()
    assert not selectors.search_sample_redraw_check(sample=sample).same_searches


def test_a_second_draw_of_the_same_month_is_refused_naming_the_month(world, codes):
    month = previous_month()
    searched_in(world, month)
    first = drawn_sample(world)
    with pytest.raises(ConflictError) as refused:
        services.search_sample_draw(
            actor=world.users[INSPECTOR], controller=world.force, month=month.replace(day=28)
        )
    assert refused.value.status == 409
    assert month_shown(month) in refused.value.message
    assert refused.value.extra == {"month": month.isoformat()}
    assert AuditSample.objects.get() == first


def test_a_month_not_ended_or_without_searches_is_refused_on_the_month_field(world, codes):
    this_month = timezone.localdate().replace(day=1)
    searched_in(world, this_month, day=1, at=timezone.localtime().time())
    inspector = world.users[INSPECTOR]
    for month, message in (
        (this_month, services.MONTH_NOT_ENDED),
        (previous_month(), services.NO_SEARCHES_IN_MONTH),
    ):
        with pytest.raises(ApplicationError) as refused:
            services.search_sample_draw(actor=inspector, controller=world.force, month=month)
        assert refused.value.status == 400
        (error,) = refused.value.extra["fields"]["month"]
        assert error.startswith(str(message).split("%")[0])
        assert month_shown(month) in error
    assert not AuditSample.objects.exists()


def test_only_an_inspector_of_the_force_draws_its_sample(world, codes):
    searched_in(world, previous_month())
    gwent, newport = other_force()
    gwent_inspector = officer(world, "gwent", role=Role.INSPECTOR, organisation=newport)
    for user in (world.users[FRONTLINE], world.users[INDEPENDENT], gwent_inspector):
        with pytest.raises(ApplicationError) as refused:
            services.search_sample_draw(actor=user, controller=world.force, month=previous_month())
        assert refused.value.status == 403
    assert not AuditSample.objects.exists()


def test_the_share_is_the_rule_in_force_on_the_day_of_the_draw(world, codes):
    today = timezone.localdate()
    rule = SearchAuditRule.objects.get(code="sample_percent")
    rule.effective_to = today - timedelta(days=1)
    rule.save()
    load_reference_rows(
        SearchAuditRule,
        [
            {
                "code": "sample_percent",
                "effective_from": today,
                "label_en": "Share sampled",
                "label_cy": "Cyfran a samplir",
                "value": 10,
                "source": "test",
            }
        ],
    )
    for day in range(1, 21):
        searched_in(world, previous_month(), day=day)
    sample = drawn_sample(world)
    assert (sample.share_percent, sample.sampled.count()) == (10, 2)


# The periodic job ------------------------------------------------------------------------


def test_the_periodic_job_draws_last_month_once_for_each_force_with_searches(world, codes):
    searched_in(world, previous_month(), day=5)
    other_force()  # a force with no searches: nothing to draw
    before = last_sequence()

    result = draw_search_samples.enqueue()  # the test settings run tasks at once

    sample = AuditSample.objects.get()
    assert result.return_value == [sample.pk]
    assert (sample.controller, sample.month, sample.drawn_by) == (
        world.force,
        previous_month(),
        None,
    )
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.actor_id, event.object_type) == (None, "stop_search.auditsample")
    # Idempotent: run again, and as a command, it draws nothing more.
    assert draw_search_samples.enqueue().return_value == []
    out = io.StringIO()
    call_command("draw-search-samples", stdout=out)
    assert out.getvalue().strip() == "No sample was due."
    assert AuditSample.objects.count() == 1


def test_a_missed_first_of_the_month_is_caught_up_and_only_last_month_is_drawn(world, codes):
    month = previous_month()
    searched_in(world, previous_month(month), day=5)  # the month before: never drawn by the job
    searched_in(world, month, day=5)
    (sample,) = services.search_samples_draw_due(today=timezone.localdate().replace(day=12))
    assert sample.month == month
    assert services.search_samples_draw_due() == []


def test_the_scheduler_lists_the_job(world, codes, capsys):
    call_command("scheduler", "--once")
    assert "enqueued pont.stop_search.audit_tasks.draw_search_samples" in capsys.readouterr().out
