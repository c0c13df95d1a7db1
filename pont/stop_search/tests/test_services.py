"""Recording searches, amending outcomes, who sees what, and referrals: through the services."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, ConflictError, NotFoundError
from pont.core.reference import load_reference_rows
from pont.people import services as people
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.stop_search import selectors, services
from pont.stop_search.models import Legislation, OutcomeAmendment, Search
from pont.testing.personas import ANALYST, CUSTODY, FRONTLINE, INSPECTOR, OPSLEAD
from pont.testing.referrals import provider_service, reachable_person
from pont.testing.stop_search import (
    amended,
    officer,
    other_force,
    recorded_search,
    search_values,
    stop_search_reference,
)


def events_since(sequence: int) -> list[tuple[str, str, int | None]]:
    return list(
        AuditEvent.objects.filter(sequence__gt=sequence)
        .order_by("sequence")
        .values_list("operation", "object_type", "subject_person_id")
    )


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def refused_fields(excinfo: pytest.ExceptionInfo[ApplicationError]) -> set[str]:
    return set(excinfo.value.extra["fields"])


@pytest.fixture
def codes(db) -> dict[str, str]:
    return stop_search_reference()


# Recording ---------------------------------------------------------------------------


def test_a_search_is_recorded_for_the_officer_and_force_with_both_outcomes_and_one_event(
    world, codes
):
    person = reachable_person(world)
    before = last_sequence()
    search = recorded_search(world, person=person, latitude="51.6801234", vehicle_registration="")
    search.refresh_from_db()
    assert search.officer == world.users[FRONTLINE]
    assert search.controller == world.force
    assert search.area == world.carmarthenshire
    assert search.person == person
    assert search.local_date == timezone.localdate(search.occurred_at)
    assert (search.outcome_at_search, search.linked_at_search) == (codes["arrest"], True)
    assert (search.outcome, search.outcome_linked) == (codes["arrest"], True)
    assert search.latitude == Decimal("51.680123")
    assert search.version == 1
    assert events_since(before) == [("collection", "stop_search.search", person.pk)]


def test_a_search_of_someone_who_gave_no_name_links_nobody(world, codes):
    before = last_sequence()
    search = recorded_search(world)
    assert search.person is None
    assert search.person_description.startswith("White man, about 20")
    assert events_since(before) == [("collection", "stop_search.search", None)]


def test_the_rest_of_the_code_a_record_is_kept_and_a_named_person_needs_no_description(
    world, codes
):
    person = reachable_person(world)
    search = recorded_search(
        world,
        person=person,
        person_description="",
        detained_place=" Outside the bus station ",
        injury_or_damage="Graze to the left hand when he fell; first aid given.",
    )
    search.refresh_from_db()
    assert search.person == person
    assert search.detained_place == "Outside the bus station"
    assert search.injury_or_damage.startswith("Graze to the left hand")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"search_type": ""}, "search_type"),
        ({"search_type": "strip"}, "search_type"),
        ({"occurred_at": None}, "occurred_at"),
        ({"occurred_at": timezone.now() + timedelta(hours=1)}, "occurred_at"),
        ({"area_id": None}, "area"),
        ({"place": "  "}, "place"),
        ({"latitude": ""}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"latitude": "91"}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": "2.5"}, "longitude"),
        ({"gender": ""}, "gender"),
        ({"gender": "unknown"}, "gender"),
        ({"age_range": ""}, "age_range"),
        ({"officer_defined_ethnicity": ""}, "officer_defined_ethnicity"),
        ({"self_defined_ethnicity": ""}, "self_defined_ethnicity"),
        ({"self_defined_ethnicity": "Z9"}, "self_defined_ethnicity"),
        ({"legislation": "no-such-power"}, "legislation"),
        ({"object_of_search": ""}, "object_of_search"),
        ({"grounds": " "}, "grounds"),
        ({"outcome": ""}, "outcome"),
        ({"outcome_linked": None}, "outcome_linked"),
        ({"body_worn_video": None}, "body_worn_video"),
        ({"body_worn_video": True, "body_worn_video_reference": " "}, "body_worn_video_reference"),
        ({"search_type": "vehicle", "vehicle_registration": ""}, "vehicle_registration"),
        ({"vehicle_registration": "CY21-ABC!"}, "vehicle_registration"),
        ({"part_of_operation": True, "operation_name": ""}, "operation_name"),
        ({"person_id": 999_999}, "person"),
        ({"person_description": "  "}, "person_description"),  # no name and no description
    ],
)
def test_each_wrong_field_is_named_and_nothing_is_written(world, codes, overrides, field):
    before = last_sequence()
    with pytest.raises(ApplicationError) as excinfo:
        services.search_record(**search_values(world, **overrides))
    assert refused_fields(excinfo) == {field}
    assert excinfo.value.status == 400
    assert excinfo.value.message == str(services.CHECK_THE_SEARCH)
    assert not Search.objects.exists()
    assert events_since(before) == []


def test_every_wrong_field_is_named_at_once(world, codes):
    empty = {
        "search_type": "",
        "occurred_at": None,
        "area_id": None,
        "place": "",
        "latitude": None,
        "longitude": None,
        "gender": "",
        "age_range": "",
        "self_defined_ethnicity": "",
        "officer_defined_ethnicity": "",
        "legislation": "",
        "object_of_search": "",
        "grounds": "",
        "outcome": "",
        "outcome_linked": None,
        "body_worn_video": None,
    }
    with pytest.raises(ApplicationError) as excinfo:
        services.search_record(**search_values(world, **empty))
    # An empty type is not a person search, so who was searched is not asked for.
    assert refused_fields(excinfo) == {
        "search_type",
        "occurred_at",
        "area",
        "place",
        "legislation",
        "object_of_search",
        "grounds",
        "outcome",
        "outcome_linked",
        "body_worn_video",
    }
    assert excinfo.value.extra["fields"]["grounds"] == [str(services.ENTER_GROUNDS)]


def test_reversed_coordinates_are_refused_as_outside_the_united_kingdom(world, codes):
    with pytest.raises(ApplicationError) as excinfo:
        services.search_record(**search_values(world, latitude="-4.16", longitude="51.68"))
    assert excinfo.value.extra["fields"] == {
        "latitude": [str(services.LATITUDE_RANGE)],
        "longitude": [str(services.LONGITUDE_RANGE)],
    }


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-inf"])
def test_a_coordinate_that_is_not_a_number_is_refused_naming_it(world, codes, value):
    with pytest.raises(ApplicationError) as excinfo:
        services.search_record(**search_values(world, latitude=value, longitude=value))
    assert excinfo.value.extra["fields"] == {
        "latitude": [str(services.LATITUDE_RANGE)],
        "longitude": [str(services.LONGITUDE_RANGE)],
    }


def test_the_area_must_be_one_of_the_officers_own_force(world, codes):
    _force, newport = other_force()
    for area in (newport, world.llanelli, world.force):  # another force's; a suite; the force
        with pytest.raises(ApplicationError) as excinfo:
            services.search_record(**search_values(world, area_id=area.pk))
        assert refused_fields(excinfo) == {"area"}


def test_the_codes_must_be_in_force_on_the_day_of_the_search(world, codes):
    load_reference_rows(
        Legislation,
        [
            {
                "code": "repealed-power",
                "effective_from": date(2019, 1, 1),
                "effective_to": date(2020, 12, 31),
                "label_en": "A repealed power",
                "label_cy": "Pŵer a ddiddymwyd",
                "policeuk_label": "A repealed power",
                "source": "test",
            }
        ],
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.search_record(**search_values(world, legislation="repealed-power"))
    assert refused_fields(excinfo) == {"legislation"}
    then = datetime(2020, 6, 1, 13, 30, tzinfo=UTC)
    search = services.search_record(
        **search_values(world, legislation="repealed-power", occurred_at=then)
    )
    assert search.local_date == date(2020, 6, 1)


def test_a_vehicle_alone_needs_its_registration_but_no_description_of_a_person(world, codes):
    search = recorded_search(
        world,
        search_type=Search.Type.VEHICLE,
        vehicle_registration=" cy21   abc ",
        gender="",
        age_range="",
        self_defined_ethnicity="",
        officer_defined_ethnicity="",
        person_description="",
    )
    assert search.vehicle_registration == "CY21 ABC"
    assert search.gender == ""


def test_the_body_worn_video_reference_is_kept_only_when_video_was_used(world, codes):
    search = recorded_search(world, body_worn_video=False, body_worn_video_reference="BWV-1")
    assert search.body_worn_video is False
    assert search.body_worn_video_reference == ""


def test_roles_without_the_capability_cannot_record_a_search(world, codes):
    for code in (ANALYST, OPSLEAD, CUSTODY):
        with pytest.raises(ApplicationError) as excinfo:
            recorded_search(world, actor_code=code)
        assert excinfo.value.status == 403
    assert not Search.objects.exists()


def test_a_person_of_another_force_cannot_be_linked(world, codes):
    force, newport = other_force()
    gwent_officer = officer(world, "gwent-pc", organisation=newport)
    theirs = people.person_create(
        actor=gwent_officer,
        given_name="Owen",
        family_name="Price",
        date_of_birth=date(1999, 1, 2),
        gender="male",
        confirmed_new=True,
    )
    with pytest.raises(ApplicationError) as excinfo:
        recorded_search(world, person=theirs)
    assert refused_fields(excinfo) == {"person"}


# Who sees which searches ------------------------------------------------------------------


def test_a_front_line_officer_sees_their_own_searches_and_overseers_see_the_forces(world, codes):
    mine = recorded_search(world)
    peer = officer(world, "pc-jones")
    peers = recorded_search(world, actor=peer)
    inspectors = recorded_search(world, actor_code=INSPECTOR)
    force, newport = other_force()
    elsewhere = recorded_search(
        world, actor=officer(world, "gwent-pc", organisation=newport), area_id=newport.pk
    )

    def seen(user):
        return set(selectors.searches_visible_to(user=user))

    assert seen(world.users[FRONTLINE]) == {mine}
    assert seen(peer) == {peers}
    for code in (INSPECTOR, ANALYST, OPSLEAD):
        assert seen(world.users[code]) == {mine, peers, inspectors}
    assert seen(world.users[CUSTODY]) == set()
    assert elsewhere.controller == force
    assert selectors.search_get_for_user(user=world.users[INSPECTOR], search_id="nonsense") is None


# Amending the outcome ------------------------------------------------------------------------


def test_an_amendment_keeps_the_outcome_at_search_and_the_values_it_replaced(world, codes):
    person = reachable_person(world)
    search = recorded_search(world, person=person)
    before = last_sequence()
    amendment = amended(
        search, actor=world.users[FRONTLINE], outcome=codes["cannabis_warning"], reason="Lab"
    )
    search.refresh_from_db()
    assert (search.outcome, search.outcome_linked) == (codes["cannabis_warning"], True)
    assert (search.outcome_at_search, search.linked_at_search) == (codes["arrest"], True)
    assert search.version == 2
    assert amendment.previous_outcome == codes["arrest"]
    assert amendment.previous_linked is True
    assert amendment.amended_by == world.users[FRONTLINE]
    assert (amendment.reason, amendment.evidence) == ("Lab", "Lab report 26/1234")
    assert events_since(before) == [("alteration", "stop_search.search", person.pk)]


def test_two_amendments_are_kept_in_order_each_with_what_it_replaced(world, codes):
    search = recorded_search(world)
    frontline = world.users[FRONTLINE]
    amended(search, actor=frontline, outcome=codes["nfa"], outcome_linked=False, reason="First")
    amended(search, actor=world.users[INSPECTOR], outcome=codes["community_resolution"])
    history = list(selectors.amendments_of(search=search))
    assert [
        (a.previous_outcome, a.previous_linked, a.outcome, a.outcome_linked) for a in history
    ] == [
        (codes["arrest"], True, codes["nfa"], False),
        (codes["nfa"], False, codes["community_resolution"], True),
    ]
    assert [a.amended_by for a in history] == [frontline, world.users[INSPECTOR]]
    search.refresh_from_db()
    assert search.outcome_at_search == codes["arrest"]
    assert search.version == 3


def test_a_stale_version_is_refused_and_nothing_changes(world, codes):
    search = recorded_search(world)
    amended(search, actor=world.users[FRONTLINE], outcome=codes["nfa"])
    before = last_sequence()
    with pytest.raises(ConflictError):
        amended(
            search,
            actor=world.users[INSPECTOR],
            outcome=codes["community_resolution"],
            expected_version=1,
        )
    search.refresh_from_db()
    assert search.outcome == codes["nfa"]
    assert OutcomeAmendment.objects.count() == 1
    assert events_since(before) == []


def test_a_front_line_officer_cannot_amend_someone_elses_search(world, codes):
    peers = recorded_search(world, actor=officer(world, "pc-jones"))
    inspectors = recorded_search(world, actor_code=INSPECTOR)
    for search in (peers, inspectors):
        with pytest.raises(NotFoundError):
            amended(search, actor=world.users[FRONTLINE], outcome=codes["nfa"])
    assert not OutcomeAmendment.objects.exists()


def test_an_inspector_amends_any_of_the_forces_searches_but_not_another_forces(world, codes):
    search = recorded_search(world)
    amended(search, actor=world.users[INSPECTOR], outcome=codes["nfa"])
    _force, newport = other_force()
    gwent = recorded_search(
        world, actor=officer(world, "gwent-pc", organisation=newport), area_id=newport.pk
    )
    with pytest.raises(NotFoundError):
        amended(gwent, actor=world.users[INSPECTOR], outcome=codes["nfa"])


def test_those_who_only_oversee_searches_cannot_amend_them(world, codes):
    search = recorded_search(world)
    for code in (ANALYST, OPSLEAD):
        with pytest.raises(ApplicationError) as excinfo:
            amended(search, actor=world.users[code], outcome=codes["nfa"])
        assert excinfo.value.status == 403


def test_an_amendment_names_its_missing_fields_and_refuses_no_change(world, codes):
    search = recorded_search(world)
    with pytest.raises(ApplicationError) as excinfo:
        amended(search, actor=world.users[FRONTLINE], outcome="", outcome_linked=None, reason=" ")
    assert refused_fields(excinfo) == {"outcome", "outcome_linked", "reason"}
    with pytest.raises(ApplicationError) as excinfo:
        amended(search, actor=world.users[FRONTLINE], outcome=codes["arrest"], outcome_linked=True)
    assert excinfo.value.extra["fields"] == {"outcome": [str(services.SAME_OUTCOME)]}
    # Only whether it was linked changes: that is an amendment too.
    amended(search, actor=world.users[FRONTLINE], outcome=codes["arrest"], outcome_linked=False)
    assert OutcomeAmendment.objects.count() == 1


# A referral from a drugs search -------------------------------------------------------------


def _start(world, search, **overrides):
    values = {
        "actor": world.users[FRONTLINE],
        "search_id": search.pk,
        "service_id": provider_service(world).pk,
        "consent_recorded": True,
        "reason": "Found with cannabis; wants help to stop",
    }
    values.update(overrides)
    return services.search_referral_start(**values)


def test_a_referral_starts_as_a_consented_draft_from_a_drugs_search_with_the_person(world, codes):
    person = reachable_person(world)
    search = recorded_search(world, person=person)
    before = last_sequence()
    referral = _start(world, search)
    assert referral.status == Referral.Status.DRAFT
    assert referral.person == person
    assert (referral.source_kind, referral.source_id) == ("stop_search", str(search.pk))
    assert referral.legal_basis == Referral.LegalBasis.CONSENT
    assert referral.consent_recorded_by == world.users[FRONTLINE]
    assert referral.service == provider_service(world)
    assert events_since(before) == [("collection", "referrals.referral", person.pk)]
    assert list(selectors.referrals_from(search=search, user=world.users[FRONTLINE])) == [referral]


def test_a_referral_needs_the_persons_consent_a_service_and_a_reason(world, codes):
    search = recorded_search(world, person=reachable_person(world))
    with pytest.raises(ApplicationError) as excinfo:
        _start(world, search, consent_recorded=False, service_id=None, reason=" ")
    assert excinfo.value.extra["fields"] == {
        "consent_recorded": [str(services.CONSENT_NEEDED)],
        "service": [str(referrals.SERVICE_CANNOT_RECEIVE)],
        "reason": [str(referrals.REASON_NEEDED)],
    }
    assert not Referral.objects.exists()


def test_a_referral_needs_a_named_person(world, codes):
    search = recorded_search(world)
    with pytest.raises(ApplicationError) as excinfo:
        _start(world, search)
    assert (excinfo.value.status, excinfo.value.message) == (409, str(services.NO_PERSON))
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"object_of_search": "stolen_goods", "legislation": "pace_s1"},
        {"outcome_linked": False},
    ],
    ids=["not a drugs search", "nothing linked found"],
)
def test_a_referral_needs_a_drugs_search_that_found_drugs(world, codes, overrides):
    values = {k: codes[v] if isinstance(v, str) else v for k, v in overrides.items()}
    search = recorded_search(world, person=reachable_person(world), **values)
    with pytest.raises(ApplicationError) as excinfo:
        _start(world, search)
    assert (excinfo.value.status, excinfo.value.message) == (409, str(services.NOT_A_DRUGS_FIND))


def test_a_search_under_the_drugs_power_for_another_object_is_a_drugs_search(world, codes):
    search = recorded_search(
        world, person=reachable_person(world), object_of_search=codes["stolen_goods"]
    )
    assert selectors.is_drugs_search(search)
    assert _start(world, search).status == Referral.Status.DRAFT


def test_a_second_referral_is_refused_while_the_first_is_open(world, codes):
    search = recorded_search(world, person=reachable_person(world))
    first = _start(world, search)
    with pytest.raises(ApplicationError) as excinfo:
        _start(world, search)
    assert (excinfo.value.status, excinfo.value.message) == (409, str(services.ALREADY_REFERRED))
    referrals.referral_cancel(actor=world.users[FRONTLINE], referral_id=first.pk, reason="Error")
    assert _start(world, search).status == Referral.Status.DRAFT


def test_a_front_line_officer_cannot_refer_from_someone_elses_search(world, codes):
    search = recorded_search(world, person=reachable_person(world), actor_code=INSPECTOR)
    with pytest.raises(NotFoundError):
        _start(world, search)
    assert _start(world, search, actor=world.users[INSPECTOR]).status == Referral.Status.DRAFT


def test_the_draft_is_sent_only_through_the_completeness_gate(world, codes):
    unreachable = reachable_person(world, given_name="Iwan", phone="")
    referral = _start(world, recorded_search(world, person=unreachable))
    with pytest.raises(referrals.ContactDetailsIncomplete):
        referrals.referral_send(actor=world.users[FRONTLINE], referral_id=referral.pk)
    reachable = reachable_person(world)
    referral = _start(world, recorded_search(world, person=reachable))
    sent = referrals.referral_send(actor=world.users[FRONTLINE], referral_id=referral.pk)
    assert sent.status == Referral.Status.REQUESTED


def test_a_custody_officer_who_may_refer_but_not_record_searches_cannot_refer_from_one(
    world, codes
):
    search = recorded_search(world, person=reachable_person(world))
    with pytest.raises(ApplicationError) as excinfo:
        _start(world, search, actor=world.users[CUSTODY])
    assert excinfo.value.status == 403
    assert not Referral.objects.exists()
