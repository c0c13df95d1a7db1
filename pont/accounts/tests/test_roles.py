"""The role table: who holds which capability, and that each capability is a declared one."""

import pytest
from django.contrib.auth.models import Permission

from pont.accounts.roles import (
    CHANGE_CONTACT_ROUTES,
    CHANGE_PERSON,
    ROLE_CAPABILITIES,
    Role,
    roles_with,
)

OFFICERS = {Role.CUSTODY_OFFICER, Role.FRONTLINE_OFFICER, Role.INSPECTOR}
PROVIDERS = {Role.PROVIDER_WORKER, Role.PROVIDER_MANAGER}


def test_only_officers_may_change_the_identity_of_a_person():
    # The force controls the record; a provider never changes a name, date of birth or PNC ID.
    assert roles_with(CHANGE_PERSON) == OFFICERS


def test_officers_and_providers_keep_the_contact_details_current():
    assert roles_with(CHANGE_CONTACT_ROUTES) == OFFICERS | PROVIDERS


@pytest.mark.django_db
@pytest.mark.parametrize("capability", sorted(set().union(*ROLE_CAPABILITIES.values())))
def test_every_capability_a_role_gives_is_a_declared_permission(capability):
    """Each is a Permission row (a model's Meta declares it), so it has a name in the admin
    and a role's capability cannot be a misspelling that no check ever asks for."""
    app_label, codename = capability.split(".")
    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()
