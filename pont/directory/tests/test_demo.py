"""The demo directory: Dyfed-Powys providers and services, loaded idempotently."""

from pont.accounts import services as accounts
from pont.accounts.models import Organisation
from pont.audit.models import AuditEvent
from pont.directory import hsds, selectors
from pont.directory.demo import SERVICES, load_directory_demo
from pont.directory.models import DirectoryOrganization, Service


def _pont_providers():
    for slug, name in (
        ("ddas", "Dyfed Drug and Alcohol Service"),
        ("kaleidoscope", "Kaleidoscope Project (Powys)"),
        ("hywel-dda-cdat", "Hywel Dda Community Drug and Alcohol Team"),
    ):
        accounts.organisation_create(
            actor=None, name=name, slug=slug, kind=Organisation.Kind.TREATMENT_PROVIDER
        )


def test_the_demo_directory_loads_once_and_a_second_load_changes_nothing(db):
    _pont_providers()
    assert load_directory_demo() == {"directory_organisations": 5, "services": len(SERVICES)}
    snapshot = selectors.hsds_export()
    links = dict(DirectoryOrganization.objects.values_list("pk", "pont_organisation__slug"))
    events = AuditEvent.objects.count()

    assert load_directory_demo() == {"directory_organisations": 0, "services": 0}
    assert selectors.hsds_export() == snapshot
    assert dict(DirectoryOrganization.objects.values_list("pk", "pont_organisation__slug")) == links
    assert AuditEvent.objects.count() == events + 1  # the import run, which changed nothing


def test_the_pont_providers_are_linked_and_their_treatment_services_take_referrals(db):
    _pont_providers()
    load_directory_demo()
    linked = dict(
        DirectoryOrganization.objects.filter(pont_organisation__isnull=False).values_list(
            "name", "pont_organisation__slug"
        )
    )
    assert linked == {
        "Dyfed Drug and Alcohol Service": "ddas",
        "Kaleidoscope Project (Powys)": "kaleidoscope",
        "Hywel Dda Community Drug and Alcohol Team": "hywel-dda-cdat",
    }
    takes = sorted(s.name for s in Service.objects.all() if s.can_receive_referrals)
    assert takes == [
        "Adult drug and alcohol service",
        "Arrest referral and Required Assessment",
        "Community drug and alcohol team",
        "Powys drug and alcohol service",
    ]
    assert not Service.objects.get(name="Housing options and homelessness advice").accepts_referrals


def test_without_the_pont_providers_nothing_takes_referrals(db):
    load_directory_demo()
    assert not Service.objects.filter(accepts_referrals=True).exists()


def test_the_demo_services_are_bilingual_and_valid_hsds(db):
    load_directory_demo()
    for service in Service.objects.all():
        assert service.name_cy
        assert service.description_cy
        assert service.eligibility_description_cy
        assert service.application_process_cy
        assert service.organization.name_cy
    assert hsds.schema_problems(selectors.hsds_export(), "page") == []
    welsh = Service.objects.filter(languages__code="cy").count()
    assert 0 < welsh < Service.objects.count()
